/**
 * Translation between OpenAI's chat completion shapes and the cascade's own request and result.
 * Pure functions: the route handler does the I/O.
 */
import { CASCADE_MODEL } from '../core/exposed-models';
import { type CascadeResult } from '../core/result';
import { ApiError } from './api-error';
import { modelTarget, type ModelScope } from './gateway-models';
import { cascadeRecord, usageOf } from './cascade-answer';
import {
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type ChatFinishReason,
  type ChatMessage,
} from './chat-completion-schemas';

/** A cascade request built from a chat completion request, and how to name its fields in chat terms. */
export interface ChatCascadeInput {
  /** Input for `CascadeClient` (validated there). */
  request: Record<string, unknown>;
  /** Rewrites a cascade validation problem (`messages[0].content: ...`) to name the chat request's field. */
  toChatProblem(problem: string): string;
}

function contentText(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  // Parts were checked to be text parts by the schema; OpenAI concatenates them the same way.
  return content.map((part) => String(part.text)).join('\n');
}

/**
 * Maps a chat completion request onto a cascade request: system and developer messages become the
 * `system` text, `response_format` a JSON Schema to check against, `model: cascade/<route>` the
 * task type (an exposed config model's id: that model, called alone), the `cascade` extension the
 * budget and ground truth, and the idempotency key the id.
 */
export function toCascadeInput(
  chat: ChatCompletionRequest,
  scope: ModelScope,
  id: string | undefined,
): ChatCascadeInput {
  const target = modelTarget(chat.model, scope);
  const systemParts: string[] = [];
  const messages: Record<string, unknown>[] = [];
  /** Position of each converted message in the chat request's `messages`. */
  const origin: number[] = [];
  let firstSystem: number | undefined;
  chat.messages.forEach((message, i) => {
    const text = contentText(message.content);
    if (message.role === 'system' || message.role === 'developer') {
      firstSystem ??= i;
      if (text !== '') systemParts.push(text);
    } else {
      messages.push({
        role: message.role,
        content: text,
        ...(message.tool_calls
          ? {
              toolCalls: message.tool_calls.map((c) => ({
                id: c.id,
                name: c.function.name,
                arguments: c.function.arguments,
              })),
            }
          : {}),
        ...(message.tool_call_id !== undefined ? { toolCallId: message.tool_call_id } : {}),
      });
      origin.push(i);
    }
  });
  if (messages.length === 0) {
    throw new ApiError({
      status: 400,
      code: 'invalid_request',
      param: 'messages',
      message: 'messages: must hold at least one user message besides system and developer messages',
    });
  }

  let schema: unknown;
  if (chat.response_format?.type === 'json_object') schema = { type: 'object' };
  if (chat.response_format?.type === 'json_schema') schema = chat.response_format.json_schema.schema ?? {};

  const metadata = {
    ...(chat.metadata ?? {}),
    ...(chat.user !== undefined ? { user: chat.user } : {}),
    ...(chat.cascade?.metadata ?? {}),
  };
  const maxTokensField = chat.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  const params = chatParams(chat);
  const request: Record<string, unknown> = {
    messages,
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...chatTools(chat),
    ...(id !== undefined ? { id } : {}),
    ...(systemParts.length > 0 ? { system: systemParts.join('\n\n') } : {}),
    ...target,
    ...(schema !== undefined ? { schema } : {}),
    ...(chat.cascade?.maxCostUsd !== undefined ? { maxCostUsd: chat.cascade.maxCostUsd } : {}),
    ...(chat.cascade?.groundTruth !== undefined ? { groundTruth: chat.cascade.groundTruth } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };

  const toChatProblem = (problem: string): string => {
    const messageField = /^messages\[(\d+)\]/.exec(problem);
    if (messageField) {
      const renamed = problem
        .replace(messageField[0], `messages[${origin[Number(messageField[1])] ?? messageField[1]}]`)
        .replace(/^(messages\[\d+\])\.toolCallId\b/, '$1.tool_call_id')
        .replace(/^(messages\[\d+\])\.toolCalls\b/, '$1.tool_calls');
      return renamed;
    }
    const renames: [RegExp, string][] = [
      [/^system\b/, `messages[${firstSystem ?? 0}].content`],
      [/^schema\b/, 'response_format.json_schema.schema'],
      [/^taskType\b/, 'model'],
      [/^id\b/, 'headers.idempotency-key'],
      [/^(maxCostUsd|groundTruth)\b/, 'cascade.$1'],
      [/^params\.maxTokens\b/, maxTokensField],
      [/^tools\[(\d+)\]\.(name|description|parameters)\b/, 'tools[$1].function.$2'],
      [/^toolChoice\.name\b/, 'tool_choice.function.name'],
      [/^toolChoice\b/, 'tool_choice'],
      [/^parallelToolCalls\b/, 'parallel_tool_calls'],
      [/^params\.topP\b/, 'top_p'],
      [/^params\.frequencyPenalty\b/, 'frequency_penalty'],
      [/^params\.presencePenalty\b/, 'presence_penalty'],
      [/^params\.(temperature|stop|seed)\b/, '$1'],
    ];
    for (const [pattern, replacement] of renames)
      if (pattern.test(problem)) return problem.replace(pattern, replacement);
    return problem;
  };
  return { request, toChatProblem };
}

/** The chat request's tools in the cascade's terms (null means unset). */
function chatTools(chat: ChatCompletionRequest): Record<string, unknown> {
  if (!chat.tools) {
    // Without tools, a tool_choice or parallel_tool_calls is refused by validation, naming it.
    return {
      ...(chat.tool_choice != null ? { toolChoice: chat.tool_choice } : {}),
      ...(chat.parallel_tool_calls != null ? { parallelToolCalls: chat.parallel_tool_calls } : {}),
    };
  }
  const choice = chat.tool_choice;
  return {
    tools: chat.tools.map(({ function: tool }) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      ...(tool.parameters !== undefined ? { parameters: tool.parameters } : {}),
    })),
    ...(choice != null ? { toolChoice: typeof choice === 'string' ? choice : { name: choice.function.name } } : {}),
    ...(chat.parallel_tool_calls != null ? { parallelToolCalls: chat.parallel_tool_calls } : {}),
  };
}

/** The chat request's generation parameters in the cascade's terms (null means unset, as in OpenAI's API). */
function chatParams(chat: ChatCompletionRequest): Record<string, unknown> {
  const maxTokens = chat.max_completion_tokens ?? chat.max_tokens;
  const stop = chat.stop == null ? undefined : typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
  const params: Record<string, unknown> = {
    maxTokens,
    temperature: chat.temperature,
    topP: chat.top_p,
    // OpenAI takes an empty list as no stop sequence.
    stop: stop && stop.length > 0 ? stop : undefined,
    seed: chat.seed,
    frequencyPenalty: chat.frequency_penalty,
    presencePenalty: chat.presence_penalty,
  };
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined && value !== null));
}

/**
 * The chat completion for a finished cascade. The final answer is the one message; when a schema
 * was asked for and the answer parsed, the content is that JSON, re-serialised without any code
 * fence the model wrapped it in, so `JSON.parse(content)` works. Tool calls come as OpenAI's
 * `tool_calls`, and `finish_reason` is the final model's own.
 */
export function toChatCompletion(
  result: CascadeResult,
  createdAtMs: number,
  options: { bestEffort?: boolean } = {},
): ChatCompletionResponse {
  const usage = usageOf(result);
  const toolCalls = result.output.toolCalls;
  const text = result.output.json !== undefined ? JSON.stringify(result.output.json) : result.output.text;
  return {
    id: result.id,
    object: 'chat.completion',
    created: Math.floor(createdAtMs / 1000),
    model: result.finalModel ?? CASCADE_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls && text === '' ? null : text,
          refusal: null,
          ...(toolCalls
            ? {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        finish_reason: chatFinishReason(result.output.finishReason),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    },
    system_fingerprint: null,
    cascade: { ...cascadeRecord(result), ...(options.bestEffort ? { bestEffort: true as const } : {}) },
  };
}

/**
 * The final model's finish reason in OpenAI's words. A refusal is OpenAI's `stop` (with the text);
 * a reason with no OpenAI name, or a result from before finish reasons were kept, is `stop`.
 */
export function chatFinishReason(reason: string | undefined): ChatFinishReason {
  return reason === 'length' || reason === 'tool_calls' || reason === 'content_filter' ? reason : 'stop';
}

/**
 * A finished chat completion as the chunks of a stream: the role, the content, the end with the
 * cascade's record, then (when asked for) the usage. The content is one chunk: it exists whole
 * before the stream starts, because a tier's answer is shown only after it passed its checks.
 */
export function toChatCompletionChunks(
  completion: ChatCompletionResponse,
  options: { includeUsage: boolean },
): ChatCompletionChunk[] {
  const { id, created, model, system_fingerprint } = completion;
  const chunk = (
    choice: ChatCompletionChunk['choices'][number] | undefined,
    extra: Partial<ChatCompletionChunk> = {},
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint,
    choices: choice ? [choice] : [],
    ...(options.includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const { message, finish_reason } = completion.choices[0]!;
  const chunks = [chunk({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null })];
  if (message.content !== null && message.content !== '')
    chunks.push(chunk({ index: 0, delta: { content: message.content }, finish_reason: null, logprobs: null }));
  // Each call whole in one delta (its arguments were checked whole); OpenAI's clients accumulate by index.
  message.tool_calls?.forEach((call, index) =>
    chunks.push(chunk({ index: 0, delta: { tool_calls: [{ index, ...call }] }, finish_reason: null, logprobs: null })),
  );
  chunks.push(chunk({ index: 0, delta: {}, finish_reason, logprobs: null }, { cascade: completion.cascade }));
  if (options.includeUsage) chunks.push(chunk(undefined, { usage: completion.usage }));
  return chunks;
}

/** Chunks as a `text/event-stream` body, ending with OpenAI's `[DONE]` sentinel. */
export function toServerSentEvents(chunks: readonly ChatCompletionChunk[]): string {
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}
