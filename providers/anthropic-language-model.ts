import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
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
import { anthropicParamProblems } from './generation-params';
import { checkedResponse, ProviderError, sdkErrorToProviderError, type ApiErrorReading } from './provider-error';

/** The parts of a Messages API response the engine relies on, checked rather than trusted. */
const AnthropicMessageResponse = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(
    z.object({
      type: z.string(),
      text: z.string().optional(),
      id: z.string().optional(),
      name: z.string().optional(),
      input: z.unknown().optional(),
    }),
  ),
  stop_reason: z.string().nullable(),
  stop_sequence: z.string().nullish(),
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
  // A pause in a long server-tool turn: the answer is not finished, like a cut one.
  pause_turn: 'length',
  tool_use: 'tool_calls',
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
    const refused = unsupportedParams(request);
    if (refused) throw new ProviderError(ProviderErrorType.badRequest, refused, this.context());
    let response: unknown;
    try {
      response = await this.client.messages.create(
        {
          model: this.modelId,
          max_tokens: request.maxOutputTokens,
          messages: toMessageParams(request.messages),
          ...(request.system ? { system: request.system } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.topP !== undefined ? { top_p: request.topP } : {}),
          ...(request.stop !== undefined ? { stop_sequences: request.stop } : {}),
          ...toolParams(request),
        },
        sdkRequestOptions(request),
      );
    } catch (error) {
      throw this.toProviderError(error);
    }
    const message = checkedResponse(AnthropicMessageResponse, response, this.context(), 'message');
    const cached = message.usage.cache_read_input_tokens ?? 0;
    // Anthropic hands tool input over parsed; the engine keeps arguments as the JSON text OpenAI sends.
    const toolCalls = message.content
      .filter((block) => block.type === 'tool_use')
      .map((block) => ({ id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) }));
    return {
      text: message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join(''),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      // Anthropic counts cache reads and writes apart from input_tokens; the engine counts all input together.
      usage: {
        inputTokens: message.usage.input_tokens + cached + (message.usage.cache_creation_input_tokens ?? 0),
        cachedInputTokens: cached,
        outputTokens: message.usage.output_tokens,
      },
      finishReason: FINISH_REASONS[message.stop_reason ?? ''] ?? 'other',
      ...(message.stop_reason === 'stop_sequence' && message.stop_sequence
        ? { stopSequence: message.stop_sequence }
        : {}),
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

function unsupportedParams(request: GenerateRequest): string | undefined {
  const problems = anthropicParamProblems(request);
  if (problems.length === 0) return undefined;
  return `not sent to anthropic: ${problems.map((p) => `${p.param}: ${p.problem}`).join('; ')}`;
}

type ContentBlock = Anthropic.Messages.ContentBlockParam;

/**
 * Messages in Anthropic's shape: an assistant's tool calls become `tool_use` blocks, tool results
 * `tool_result` blocks in a user turn. Consecutive turns of one role are merged into one, since a
 * tool result and the user's next words share the user's turn.
 */
function toMessageParams(messages: readonly Message[]): Anthropic.Messages.MessageParam[] {
  const params: { role: 'user' | 'assistant'; content: ContentBlock[] }[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks: ContentBlock[] = [];
    if (message.role === 'tool') {
      blocks.push({ type: 'tool_result', tool_use_id: message.toolCallId ?? '', content: message.content });
    } else {
      if (message.content !== '') blocks.push({ type: 'text', text: message.content });
      for (const call of message.toolCalls ?? [])
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) });
    }
    const last = params[params.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else params.push({ role, content: blocks });
  }
  return params;
}

/** A tool call's arguments as the object Anthropic's `tool_use.input` must be; text that is no object is wrapped. */
function toolInput(args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Fall through: an earlier model's malformed arguments still travel, as text.
  }
  return { arguments: args };
}

/** The request's tools in Messages API terms: `required` is Anthropic's `any`, no parallel calls its `disable_parallel_tool_use`. */
function toolParams(request: GenerateRequest): Pick<Anthropic.Messages.MessageCreateParams, 'tools' | 'tool_choice'> {
  if (!request.tools) return {};
  const choice = request.toolChoice ?? 'auto';
  const disableParallel = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const toolChoice: Anthropic.Messages.ToolChoice =
    choice === 'none'
      ? { type: 'none' }
      : choice === 'auto'
        ? { type: 'auto', ...disableParallel }
        : choice === 'required'
          ? { type: 'any', ...disableParallel }
          : { type: 'tool', name: choice.name, ...disableParallel };
  return {
    tools: request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: { type: 'object', ...(tool.parameters ?? {}) } as Anthropic.Messages.Tool.InputSchema,
    })),
    ...(request.toolChoice !== undefined || request.parallelToolCalls !== undefined ? { tool_choice: toolChoice } : {}),
  };
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
