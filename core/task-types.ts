/**
 * The task types llm-cascade knows out of the box. A config may add its own by naming them as
 * routes and classifier rules; these are the ones the default classifier rules produce.
 */
export const BUILT_IN_TASK_TYPES = [
  'extraction',
  'classification',
  'summarization',
  'question_answering',
  'reasoning',
  'coding',
  'creative_generation',
] as const;

export type BuiltInTaskType = (typeof BUILT_IN_TASK_TYPES)[number];

/** The route a request falls back to when the classifier finds no evidence for any task type. */
export const DEFAULT_ROUTE = 'default';

/** A task type or route name: lowercase words joined by underscores or dashes. */
export const TASK_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
