import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ProviderErrorType } from '../core/provider-errors';
import {
  sdkRequestOptions,
  type FinishReason,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  type ProviderConnection,
} from './language-model';
import { checkedResponse, sdkErrorToProviderError, type ApiErrorReading } from './provider-error';

/** The parts of a Messages API response the engine relies on, checked rather than trusted. */
const AnthropicMessageResponse = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  stop_reason: z.string().nullable(),
  usage: z.object({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    cache_read_input_tokens: z.number().int().nonnegative().nullish(),
    cache_creation_input_tokens: z.number().int().nonnegative().nullish(),
  }),
});

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  refusal: 'refusal',
};

export interface AnthropicLanguageModelOptions {
  /** The config's provider id. */
  provider: string;
  modelId: string;
  client: Anthropic;
}

/**
 * The Anthropic Messages API behind the `LanguageModel` interface. It sends no `responseFormat`
 * (the Messages API has no JSON mode), so its models take only `jsonMode: prompt`: the provider
 * table says so and config loading rejects the other modes for them.
 */
export class AnthropicLanguageModel implements LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly client: Anthropic;

  constructor(options: AnthropicLanguageModelOptions) {
    this.provider = options.provider;
    this.modelId = options.modelId;
    this.client = options.client;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    let response: unknown;
    try {
      response = await this.client.messages.create(
        {
          model: this.modelId,
          max_tokens: request.maxOutputTokens,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          ...(request.system ? { system: request.system } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        },
        sdkRequestOptions(request),
      );
    } catch (error) {
      throw this.toProviderError(error);
    }
    const message = checkedResponse(AnthropicMessageResponse, response, this.context(), 'message');
    const cached = message.usage.cache_read_input_tokens ?? 0;
    return {
      text: message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join(''),
      // Anthropic counts cache reads and writes apart from input_tokens; the engine counts all input together.
      usage: {
        inputTokens: message.usage.input_tokens + cached + (message.usage.cache_creation_input_tokens ?? 0),
        cachedInputTokens: cached,
        outputTokens: message.usage.output_tokens,
      },
      finishReason: FINISH_REASONS[message.stop_reason ?? ''] ?? 'other',
      responseModel: message.model,
      responseId: message.id,
    };
  }

  private context() {
    return { provider: this.provider, modelId: this.modelId };
  }

  private toProviderError(error: unknown): Error {
    return sdkErrorToProviderError(error, this.context(), Anthropic, readAnthropicError);
  }
}

/** Anthropic's quirk: an overload is a 529 with `overloaded_error` in the body; the message is under `error`. */
function readAnthropicError(error: InstanceType<typeof Anthropic.APIError>): ApiErrorReading {
  const body = error.error as { error?: { type?: string; message?: string } } | undefined;
  return {
    providerMessage: body?.error?.message ?? error.message,
    ...(body?.error?.type === 'overloaded_error' ? { type: ProviderErrorType.overloaded } : {}),
  };
}

/** Builds the provider's SDK client once (`maxRetries: 0`: Temporal is the only retry loop) and returns its models' factory. */
export function connectAnthropic({ id, settings, apiKey }: ProviderConnection): (modelId: string) => LanguageModel {
  const client = new Anthropic({
    apiKey: apiKey ?? null,
    maxRetries: 0,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
  });
  return (modelId) => new AnthropicLanguageModel({ provider: id, modelId, client });
}
