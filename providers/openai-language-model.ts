import OpenAI from 'openai';
import { z } from 'zod';
import { type MaxTokensField } from '../core/config';
import { ProviderErrorType } from '../core/provider-errors';
import { type Message } from '../core/request';
import {
  sdkRequestOptions,
  type FinishReason,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  type ProviderConnection,
} from './language-model';
import { checkedResponse, sdkErrorToProviderError, type ApiErrorReading } from './provider-error';

/** The parts of a Chat Completions response the engine relies on, checked rather than trusted. */
const ChatCompletionResponse = z.object({
  id: z.string(),
  model: z.string(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable(),
          refusal: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function'),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullable(),
      }),
    )
    .min(1, 'no choices'),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish(),
  }),
});

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  // The older name of tool_calls, still sent by some compatible servers.
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

export interface OpenAILanguageModelOptions {
  /** The config's provider id. */
  provider: string;
  modelId: string;
  client: OpenAI;
  /**
   * The field that carries the output limit (the provider's `maxTokensField`): many OpenAI-compatible
   * servers know only the older `max_tokens`, while OpenAI's reasoning models accept only
   * `max_completion_tokens` (the default).
   */
  maxTokensField?: MaxTokensField;
}

/** OpenAI Chat Completions, and any endpoint compatible with it, behind the `LanguageModel` interface. */
export class OpenAILanguageModel implements LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  private readonly client: OpenAI;
  private readonly maxTokensField: MaxTokensField;

  constructor(options: OpenAILanguageModelOptions) {
    this.provider = options.provider;
    this.modelId = options.modelId;
    this.client = options.client;
    this.maxTokensField = options.maxTokensField ?? 'max_completion_tokens';
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
      ...request.messages.map(toMessageParam),
    ];
    let response: unknown;
    try {
      response = await this.client.chat.completions.create(
        {
          model: this.modelId,
          messages,
          [this.maxTokensField]: request.maxOutputTokens,
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.topP !== undefined ? { top_p: request.topP } : {}),
          ...(request.stop !== undefined ? { stop: request.stop } : {}),
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(request.frequencyPenalty !== undefined ? { frequency_penalty: request.frequencyPenalty } : {}),
          ...(request.presencePenalty !== undefined ? { presence_penalty: request.presencePenalty } : {}),
          ...(request.responseFormat ? { response_format: toResponseFormat(request.responseFormat) } : {}),
          ...toolParams(request),
        },
        sdkRequestOptions(request),
      );
    } catch (error) {
      throw this.toProviderError(error);
    }
    const completion = checkedResponse(ChatCompletionResponse, response, this.context(), 'completion');
    const choice = completion.choices[0]!;
    const toolCalls = (choice.message.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
    return {
      text: choice.message.content ?? choice.message.refusal ?? '',
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      usage: {
        inputTokens: completion.usage.prompt_tokens,
        cachedInputTokens: completion.usage.prompt_tokens_details?.cached_tokens ?? 0,
        outputTokens: completion.usage.completion_tokens,
      },
      finishReason: choice.message.refusal ? 'refusal' : (FINISH_REASONS[choice.finish_reason ?? ''] ?? 'other'),
      responseModel: completion.model,
      responseId: completion.id,
    };
  }

  private context() {
    return { provider: this.provider, modelId: this.modelId };
  }

  private toProviderError(error: unknown): Error {
    return sdkErrorToProviderError(error, this.context(), OpenAI, readOpenAIError);
  }
}

/** OpenAI's quirk: the body's `code` names a too-long context or a content filter that a plain 400 hides. */
function readOpenAIError(error: InstanceType<typeof OpenAI.APIError>): ApiErrorReading {
  const body = error.error as { message?: string } | undefined;
  const type =
    error.code === 'context_length_exceeded'
      ? ProviderErrorType.contextTooLong
      : error.code === 'content_filter'
        ? ProviderErrorType.contentFiltered
        : undefined;
  return { providerMessage: body?.message ?? error.message, ...(type ? { type } : {}) };
}

function toMessageParam(message: Message): OpenAI.Chat.ChatCompletionMessageParam {
  if (message.role === 'tool')
    return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
  if (message.role === 'user') return { role: 'user', content: message.content };
  return {
    role: 'assistant',
    content: message.content === '' && message.toolCalls ? null : message.content,
    ...(message.toolCalls
      ? {
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: call.arguments },
          })),
        }
      : {}),
  };
}

/** The request's tools in Chat Completions terms; `parallel_tool_calls` only alongside tools, as the API requires. */
function toolParams(
  request: GenerateRequest,
): Pick<OpenAI.Chat.ChatCompletionCreateParams, 'tools' | 'tool_choice' | 'parallel_tool_calls'> {
  if (!request.tools) return {};
  const choice = request.toolChoice;
  return {
    tools: request.tools.map((tool) => ({
      type: 'function' as const,
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        ...(tool.parameters !== undefined ? { parameters: tool.parameters } : {}),
      },
    })),
    ...(choice === undefined
      ? {}
      : { tool_choice: typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } } }),
    ...(request.parallelToolCalls !== undefined ? { parallel_tool_calls: request.parallelToolCalls } : {}),
  };
}

function toResponseFormat(
  format: NonNullable<GenerateRequest['responseFormat']>,
): OpenAI.Chat.ChatCompletionCreateParams['response_format'] {
  if (format.type === 'json_object') return { type: 'json_object' };
  const schema = typeof format.schema === 'boolean' ? {} : format.schema;
  return { type: 'json_schema', json_schema: { name: format.name, schema, strict: false } };
}

/**
 * Builds the provider's SDK client once (`maxRetries: 0`: Temporal is the only retry loop) and
 * returns its models' factory; `maxTokensField` is the provider's option, else the type's default.
 */
export function connectOpenAI(
  { id, settings, apiKey }: ProviderConnection,
  defaultMaxTokensField: MaxTokensField,
): (modelId: string) => LanguageModel {
  const client = new OpenAI({
    // OpenAI-compatible servers often run without auth; the SDK insists on some key string.
    apiKey: apiKey ?? 'unused',
    maxRetries: 0,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
  });
  const maxTokensField = settings.maxTokensField ?? defaultMaxTokensField;
  return (modelId) => new OpenAILanguageModel({ provider: id, modelId, client, maxTokensField });
}
