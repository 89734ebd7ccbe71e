import { type JsonRequest } from './prompt-json-request';
import { type SimulatedProvider } from './simulated-provider';

/** A model call as the script sees it, whichever wire format it came in. */
export interface ChatRequest {
  provider: SimulatedProvider;
  model: string;
  /** The system prompt's text ('' when none). */
  system: string;
  /** The text of each user turn, in order. */
  userTexts: string[];
  /** Every prompt text (system and all turns), to count input tokens from. */
  promptText: string;
  /** The output token limit; `null` when the request sets none. */
  maxOutputTokens: number | null;
  stopSequences: string[];
  json: JsonRequest;
  /** The tools the request offers, with their argument schemas. */
  tools: SimulatedTool[];
  /** Whether the last turn is a tool's result. */
  toolResultGiven: boolean;
}

/** A tool as the script sees it, whichever wire it came in. */
export interface SimulatedTool {
  name: string;
  parameters: Record<string, unknown>;
}

/** The last user turn: what rules match on and replay looks up. */
export function lastUserText(request: Pick<ChatRequest, 'userTexts'>): string {
  return request.userTexts[request.userTexts.length - 1] ?? '';
}
