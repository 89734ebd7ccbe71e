import { type IncomingHttpHeaders } from 'node:http';
import { type AnswerCompletion } from './answer-completion';
import { type RecordedAnswer, type SimulatedToolCall } from './answer-renderer';
import { type ChatRequest } from './chat-request';
import { type SimulatedProvider } from './simulated-provider';

/** An error to send in the provider's own error shape. */
export interface WireError {
  status: number;
  message: string;
  retryAfterSeconds?: number;
  /** The request field at fault (OpenAI's `param`). */
  param?: string | null;
  /** A machine-readable cause (OpenAI's `code`). For `model_not_found`, `message` is just the model name, worded per provider. */
  code?: string | null;
}

/** A response ready to write. */
export interface OutgoingResponse {
  status: number;
  headers: Record<string, string>;
  /** The body in pieces, written in order (one piece per event for a stream). */
  chunks: string[];
  /** What the call log keeps as the response body: the JSON sent, or the message a stream assembles to. */
  logBody: unknown;
}

/** A successful answer, ready to be put in the provider's response shape. */
export interface WireAnswer {
  completion: AnswerCompletion;
  refusal: boolean;
  recorded: RecordedAnswer | null;
  /** Tool calls beside (or instead of) the text; each wire gives them its own ids and shape. */
  toolCalls?: SimulatedToolCall[];
}

/** A parsed, valid request: its neutral form plus the wire's own view of it. */
export interface ParsedCall<TWireRequest> {
  wireRequest: TWireRequest;
  chat: ChatRequest;
  stream: boolean;
}

/** One provider's wire format: how its requests are checked and its responses and errors shaped. */
export interface ProviderWire<TWireRequest> {
  provider: SimulatedProvider;
  /** Authentication and required headers, checked before the body, as the real APIs do. */
  checkHeaders(headers: IncomingHttpHeaders): WireError | undefined;
  parse(body: unknown): { ok: true; call: ParsedCall<TWireRequest> } | { ok: false; error: WireError };
  answer(call: ParsedCall<TWireRequest>, answer: WireAnswer): OutgoingResponse;
  error(error: WireError): OutgoingResponse;
}

/** Headers that expose a replayed call's recorded cost, on every wire. */
export const RECORDED_COST_HEADER = 'x-simulator-recorded-cost-usd';
export const SAMPLE_ID_HEADER = 'x-simulator-sample-id';

/** The response-body extension carrying the same, as `x_simulator` on the top level. */
export interface SimulatorExtension {
  recorded_cost_usd: number;
  sample_id: string;
}

export function recordedHeaders(recorded: RecordedAnswer | null): Record<string, string> {
  return recorded ? { [RECORDED_COST_HEADER]: String(recorded.costUsd), [SAMPLE_ID_HEADER]: recorded.sampleId } : {};
}

export function simulatorExtension(recorded: RecordedAnswer | null): { x_simulator?: SimulatorExtension } {
  return recorded ? { x_simulator: { recorded_cost_usd: recorded.costUsd, sample_id: recorded.sampleId } } : {};
}

/** Splits text into stream deltas of a few words each, as a model streams tokens. */
export function streamDeltas(text: string): string[] {
  return text.match(/\s*\S+(?:\s+\S+){0,2}\s*|\s+/g) ?? [];
}
