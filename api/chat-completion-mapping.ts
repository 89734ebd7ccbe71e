/**
 * Translation between OpenAI's chat completion shapes and the cascade's own request and result.
 * Pure functions: the route handler does the I/O.
 */
import { redactSecrets } from '../core/redact-secrets';
import { type CascadeConfig } from '../core/config';
import { type CascadeResult } from '../core/result';
import { ApiError } from './api-error';
import {
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type ChatMessage,
} from './chat-completion-schemas';

/** The `model` that lets the classifier pick the route; `cascade/<route>` names one. */
export const CASCADE_MODEL = 'cascade';

/** A cascade request built from a chat completion request, and how to name its fields in chat terms. */
export interface ChatCascadeInput {
  /** Input for `CascadeClient` (validated there). */
  request: Record<string, unknown>;
  /** Rewrites a cascade validation problem (`messages[0].content: ...`) to name the chat request's field. */
  toChatProblem(problem: string): string;
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  // Parts were checked to be text parts by the schema; OpenAI concatenates them the same way.
  return content.map((part) => String(part.text)).join('\n');
}

function routeList(config: CascadeConfig): string {
  return Object.keys(config.routes)
    .map((route) => `"${CASCADE_MODEL}/${route}"`)
    .join(', ');
}

/** The route `model` asks for: undefined for `cascade`; a 400 naming the model for anything unknown. */
export function routeFromModel(model: string, config: CascadeConfig): string | undefined {
  if (model === CASCADE_MODEL) return undefined;
  const prefix = `${CASCADE_MODEL}/`;
  if (model.startsWith(prefix)) {
    const route = model.slice(prefix.length);
    if (config.routes[route]) return route;
    throw new ApiError({
      status: 400,
      code: 'model_not_found',
      param: 'model',
      message: `model: unknown route "${route}" in "${model}"; use "${CASCADE_MODEL}" or one of ${routeList(config)}`,
    });
  }
  throw new ApiError({
    status: 400,
    code: 'model_not_found',
    param: 'model',
    message: `model: unknown model "${model}"; use "${CASCADE_MODEL}" (the classifier picks the route) or one of ${routeList(config)}`,
  });
}

/**
 * Maps a chat completion request onto a cascade request: system and developer messages become the
 * `system` text, `response_format` a JSON Schema to check against, `model: cascade/<route>` the
 * task type, the `cascade` extension the budget and ground truth, and the idempotency key the id.
 */
export function toCascadeInput(
  chat: ChatCompletionRequest,
  config: CascadeConfig,
  id: string | undefined,
): ChatCascadeInput {
  const taskType = routeFromModel(chat.model, config);
  const systemParts: string[] = [];
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  /** Position of each converted message in the chat request's `messages`. */
  const origin: number[] = [];
  let firstSystem: number | undefined;
  chat.messages.forEach((message, i) => {
    const text = contentText(message.content);
    if (message.role === 'system' || message.role === 'developer') {
      firstSystem ??= i;
      if (text !== '') systemParts.push(text);
    } else {
      messages.push({ role: message.role, content: text });
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
  const request: Record<string, unknown> = {
    messages,
    ...(id !== undefined ? { id } : {}),
    ...(systemParts.length > 0 ? { system: systemParts.join('\n\n') } : {}),
    ...(taskType !== undefined ? { taskType } : {}),
    ...(schema !== undefined ? { schema } : {}),
    ...(chat.cascade?.maxCostUsd !== undefined ? { maxCostUsd: chat.cascade.maxCostUsd } : {}),
    ...(chat.cascade?.groundTruth !== undefined ? { groundTruth: chat.cascade.groundTruth } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };

  const toChatProblem = (problem: string): string => {
    const messageField = /^messages\[(\d+)\]/.exec(problem);
    if (messageField)
      return problem.replace(messageField[0], `messages[${origin[Number(messageField[1])] ?? messageField[1]}]`);
    const renames: [RegExp, string][] = [
      [/^system\b/, `messages[${firstSystem ?? 0}].content`],
      [/^schema\b/, 'response_format.json_schema.schema'],
      [/^taskType\b/, 'model'],
      [/^id\b/, 'headers.idempotency-key'],
      [/^(maxCostUsd|groundTruth)\b/, 'cascade.$1'],
    ];
    for (const [pattern, replacement] of renames)
      if (pattern.test(problem)) return problem.replace(pattern, replacement);
    return problem;
  };
  return { request, toChatProblem };
}

/**
 * The chat completion for a finished cascade. The final answer is the one message; when a schema
 * was asked for and the answer parsed, the content is that JSON, re-serialised without any code
 * fence the model wrapped it in, so `JSON.parse(content)` works.
 */
export function toChatCompletion(result: CascadeResult, createdAtMs: number): ChatCompletionResponse {
  const usage = result.steps.reduce(
    (sum, step) => ({
      prompt: sum.prompt + step.usage.inputTokens,
      completion: sum.completion + step.usage.outputTokens,
      cached: sum.cached + step.usage.cachedInputTokens,
    }),
    { prompt: 0, completion: 0, cached: 0 },
  );
  const content = result.output.json !== undefined ? JSON.stringify(result.output.json) : result.output.text;
  return {
    id: result.id,
    object: 'chat.completion',
    created: Math.floor(createdAtMs / 1000),
    model: result.finalModel ?? CASCADE_MODEL,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
      prompt_tokens_details: { cached_tokens: usage.cached },
    },
    system_fingerprint: null,
    cascade: {
      id: result.id,
      outcome: result.outcome,
      outcomeReason: result.outcomeReason,
      taskType: result.classification.taskType,
      route: result.classification.route,
      finalTier: result.finalTier,
      escalations: result.escalations,
      steps: result.steps.map(({ text: _text, ...step }) => step),
      costUsd: result.costUsd,
      baseline: result.baseline,
      savedUsd: result.savedUsd,
      ...(result.notice !== undefined ? { notice: result.notice } : {}),
    },
  };
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
  const chunks = [
    chunk({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }),
    chunk({
      index: 0,
      delta: { content: completion.choices[0]!.message.content },
      finish_reason: null,
      logprobs: null,
    }),
    chunk({ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }, { cascade: completion.cascade }),
  ];
  if (options.includeUsage) chunks.push(chunk(undefined, { usage: completion.usage }));
  return chunks;
}

/** Chunks as a `text/event-stream` body, ending with OpenAI's `[DONE]` sentinel. */
export function toServerSentEvents(chunks: readonly ChatCompletionChunk[]): string {
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}

/**
 * A cascade that produced no answer cannot be a chat completion: over budget before any model was
 * called is the caller's limit (400); a failure of every model is an upstream failure (502).
 */
export function unansweredError(result: CascadeResult): ApiError | undefined {
  if (result.finalModel !== null && result.outcome !== 'failed') return undefined;
  if (result.outcome === 'over_budget') {
    return new ApiError({
      status: 400,
      code: 'budget_exceeded',
      param: 'cascade.maxCostUsd',
      message: `cascade ${result.id}: over budget before any answer: ${result.outcomeReason}`,
    });
  }
  return new ApiError({
    status: 502,
    code: 'cascade_failed',
    // Redacted: results recorded before provider messages were kept out of them may quote one.
    message: `cascade ${result.id} could not produce an answer: ${redactSecrets(result.outcomeReason)}`,
    headers: { 'x-should-retry': 'false' },
  });
}
