import { type ProviderConfig } from '../core/config';
import { type ModelPrompt } from '../core/prompt';
import {
  type GenerationParams,
  type Message,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from '../core/request';
import { type FinishReason, type Usage } from '../core/result';

export type { FinishReason };

/** One completion request, already in provider-neutral form. */
export interface GenerateRequest {
  messages: Message[];
  system?: string;
  maxOutputTokens: number;
  temperature?: number;
  /**
   * The caller's other generation parameters. An adapter passes each to its provider or throws a
   * `bad_request` ProviderError naming it: never drops one (validation refuses them earlier, see
   * `PROVIDERS[type].unsupportedParams`, so this is the last line).
   */
  topP?: number;
  stop?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  /** Ask for JSON; `schema` is used by providers that can enforce it. */
  responseFormat?:
    { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown> | boolean };
  timeoutMs: number;
  abortSignal?: AbortSignal;
}

export interface GenerateResult {
  text: string;
  /** The tools the model called, in order; absent when it called none. */
  toolCalls?: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  /**
   * The caller's stop sequence the model stopped at, when its provider says which (Anthropic does;
   * OpenAI reports a plain `stop`), so the Messages endpoint can answer `stop_sequence` faithfully.
   */
  stopSequence?: string;
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

/**
 * The `generate` request for a built prompt under a model's settings: one mapping for every caller.
 * The request's parameters win over the model's, within its limits: `maxTokens` is capped at the
 * model's `maxOutputTokens` (the config's cost ceiling), the request's `temperature` replaces the
 * model's configured one.
 */
export function generateRequest(
  prompt: ModelPrompt,
  settings: GenerateSettings,
  abortSignal?: AbortSignal,
): GenerateRequest {
  const params: GenerationParams = prompt.params ?? {};
  const temperature = params.temperature ?? settings.temperature;
  return {
    messages: prompt.messages,
    maxOutputTokens: Math.min(settings.maxOutputTokens, params.maxTokens ?? Infinity),
    timeoutMs: settings.timeoutMs,
    ...(abortSignal ? { abortSignal } : {}),
    ...(prompt.system !== undefined ? { system: prompt.system } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(params.topP !== undefined ? { topP: params.topP } : {}),
    ...(params.stop !== undefined ? { stop: params.stop } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    ...(params.frequencyPenalty !== undefined ? { frequencyPenalty: params.frequencyPenalty } : {}),
    ...(params.presencePenalty !== undefined ? { presencePenalty: params.presencePenalty } : {}),
    ...(prompt.responseFormat ? { responseFormat: prompt.responseFormat } : {}),
    ...(prompt.tools ? { tools: prompt.tools } : {}),
    ...(prompt.toolChoice !== undefined ? { toolChoice: prompt.toolChoice } : {}),
    ...(prompt.parallelToolCalls !== undefined ? { parallelToolCalls: prompt.parallelToolCalls } : {}),
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
