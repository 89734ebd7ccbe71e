import { type ChatRequest } from './chat-request';
import { estimateTokens } from './token-estimate';

/** Why the simulated generation stopped, in provider-neutral words. */
export type CompletionStop = 'end' | 'max_tokens' | 'stop_sequence';

/** An answer's text as the model would emit it, with its token counts. */
export interface AnswerCompletion {
  text: string;
  stop: CompletionStop;
  /** The stop sequence that ended the text, when `stop` is `stop_sequence`. */
  stopSequence: string | null;
  inputTokens: number;
  outputTokens: number;
}

/**
 * Applies the request's limits to an answer as a model would: the text ends before the first stop
 * sequence, and is cut at `maxOutputTokens` (at four characters per token, as counted).
 */
export function completeAnswer(request: ChatRequest, answer: string): AnswerCompletion {
  let text = answer;
  let stop: CompletionStop = 'end';
  let stopSequence: string | null = null;
  for (const sequence of request.stopSequences) {
    const at = sequence === '' ? -1 : text.indexOf(sequence);
    if (at >= 0) {
      text = text.slice(0, at);
      stop = 'stop_sequence';
      stopSequence = sequence;
    }
  }
  if (request.maxOutputTokens !== null && estimateTokens(text) > request.maxOutputTokens) {
    text = text.slice(0, request.maxOutputTokens * 4);
    stop = 'max_tokens';
    stopSequence = null;
  }
  return {
    text,
    stop,
    stopSequence,
    inputTokens: estimateTokens(request.promptText),
    outputTokens: estimateTokens(text),
  };
}
