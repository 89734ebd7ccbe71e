import { type ModelPrompt } from './prompt';
import { lastUserText, type CascadeRequest } from './request';

const MAX_PROMPT_CHARS = 4000;

/** The prompt that asks a small model for a request's task type, when the rules are unsure. */
export function classificationPrompt(request: CascadeRequest, taskTypes: readonly string[]): ModelPrompt {
  const text = lastUserText(request);
  const excerpt = text.length > MAX_PROMPT_CHARS ? `${text.slice(0, MAX_PROMPT_CHARS)}\n[...]` : text;
  return {
    system:
      'You label requests sent to a language model by task type. ' +
      `Answer with exactly one of these labels and nothing else: ${taskTypes.join(', ')}.`,
    messages: [{ role: 'user', content: `Request:\n<<<\n${excerpt}\n>>>\nTask type:` }],
  };
}

/** The task type a classifier model named, if it named exactly one known type. */
export function parseClassifierAnswer(text: string, taskTypes: readonly string[]): string | undefined {
  const answer = text
    .trim()
    .toLowerCase()
    .replace(/[`'".]/g, '');
  if (taskTypes.includes(answer)) return answer;
  const named = taskTypes.filter((type) => new RegExp(`\\b${type.replace(/[-_]/g, '[-_ ]')}\\b`).test(answer));
  return named.length === 1 ? named[0] : undefined;
}
