import { type ProviderConfig } from '../core/config';
import { type ModelPrompt } from '../core/prompt';
import { type Message } from '../core/request';
import { type FinishReason, type Usage } from '../core/result';

export type { FinishReason };

/** One completion request, already in provider-neutral form. */
export interface GenerateRequest {
  messages: Message[];
  system?: string;
  maxOutputTokens: number;
  temperature?: number;
  /** Ask for JSON; `schema` is used by providers that can enforce it. */
  responseFormat?:
    { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown> | boolean };
  timeoutMs: number;
  abortSignal?: AbortSignal;
}

export interface GenerateResult {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  /** The model name the provider says answered (it may differ from the one asked for, e.g. a dated snapshot). */
  responseModel: string;
  /** The provider's id for the response, for support tickets. */
  responseId: string;
}

/**
 * The narrow interface every provider adapter implements, after Vercel's AI SDK:
 * the engine never sees a provider SDK, only this.
 */
export interface LanguageModel {
  /** The config's provider id, e.g. `anthropic`. */
  readonly provider: string;
  /** The provider's model name, e.g. `claude-haiku-4-5`. */
  readonly modelId: string;
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

/** A model's per-call settings, from its config (or a `callModel` input carrying them). */
export interface GenerateSettings {
  maxOutputTokens: number;
  timeoutMs: number;
  temperature?: number | undefined;
}

/** The `generate` request for a built prompt under a model's settings: one mapping for every caller. */
export function generateRequest(
  prompt: ModelPrompt,
  settings: GenerateSettings,
  abortSignal?: AbortSignal,
): GenerateRequest {
  return {
    messages: prompt.messages,
    maxOutputTokens: settings.maxOutputTokens,
    timeoutMs: settings.timeoutMs,
    ...(abortSignal ? { abortSignal } : {}),
    ...(prompt.system !== undefined ? { system: prompt.system } : {}),
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(prompt.responseFormat ? { responseFormat: prompt.responseFormat } : {}),
  };
}

/** The per-call options both SDKs take: the timeout, and the signal that aborts the call. */
export function sdkRequestOptions(request: Pick<GenerateRequest, 'timeoutMs' | 'abortSignal'>): {
  timeout: number;
  signal?: AbortSignal;
} {
  return { timeout: request.timeoutMs, ...(request.abortSignal ? { signal: request.abortSignal } : {}) };
}

/** A provider's config entry, whatever its type: its options (`baseURL`, ...) reach its adapter. */
export type ProviderSettings = Omit<ProviderConfig, 'type'> & { type: string };

/** What an adapter's `connect` is given: the config's provider id and entry, and the key read from its variable. */
export interface ProviderConnection {
  id: string;
  settings: ProviderSettings;
  apiKey: string | undefined;
}
