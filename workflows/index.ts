/** Every workflow the worker registers. Only deterministic code may be reached from here. */
export { cascade, decisionsQuery } from './cascade-workflow';
export type { CascadeWorkflowInput, DecisionRecord } from './cascade-workflow';
export { batch, cancelSignal, pauseSignal, progressQuery, resumeSignal } from './batch-workflow';
