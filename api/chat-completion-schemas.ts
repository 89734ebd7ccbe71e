/**
 * The wire types of `POST /v1/chat/completions`: the subset of OpenAI's Chat Completions API a
 * cascade can honour, and its response with the cascade's own record in the `cascade` extension.
 * Fields OpenAI clients commonly send are accepted (and ignored where they have no meaning for a
 * cascade); fields asking for what a cascade cannot do are rejected by name, never dropped silently.
 */
import { z } from 'zod';
import { GroundTruthValue } from '../core/request';
import { Outcome, Step } from '../core/result';

/** A content part; only `text` parts are supported, which the message-level check enforces with a precise message. */
const ContentPart = z.looseObject({ type: z.string(), text: z.unknown().optional() });

/** A tool call in an assistant message, as OpenAI sends it back to the model in a later turn. */
export const ChatToolCall = z.strictObject({
  id: z.string().min(1, 'must not be empty'),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().min(1, 'must not be empty'), arguments: z.string() }),
});
export type ChatToolCall = z.infer<typeof ChatToolCall>;

export const ChatMessage = z
  .strictObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z
      .union([z.string(), z.array(ContentPart)], { error: 'must be a string or an array of text parts' })
      .nullable()
      .optional(),
    name: z.string().optional(),
    /** An assistant turn's tool calls (its content may then be null). */
    tool_calls: z.array(ChatToolCall).min(1, 'must hold at least one tool call').optional(),
    /** A tool turn: the call whose result the content is. */
    tool_call_id: z.string().min(1, 'must not be empty').optional(),
    refusal: z.string().nullable().optional(),
  })
  .superRefine((message, ctx) => {
    if (message.content == null) {
      if (!(message.role === 'assistant' && message.tool_calls))
        ctx.addIssue({
          code: 'custom',
          path: ['content'],
          message: 'required (only an assistant message with tool_calls may leave it null)',
        });
      return;
    }
    if (typeof message.content === 'string') return;
    message.content.forEach((part, i) => {
      if (part.type !== 'text') {
        ctx.addIssue({
          code: 'custom',
          path: ['content', i, 'type'],
          message: `only text parts are supported, got "${part.type}"`,
        });
      } else if (typeof part.text !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['content', i, 'text'], message: 'must be a string' });
      }
    });
  });
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ResponseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
      description: z.string().optional(),
      /** The JSON Schema the answer must validate against: becomes the cascade's `schema` check. */
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

/** A function tool the models may call; its `parameters` schema is what the tool_call check validates arguments against. */
export const ChatTool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    /** Accepted: the cascade validates every call against `parameters` whatever this says. */
    strict: z.boolean().nullable().optional(),
  }),
});
export type ChatTool = z.infer<typeof ChatTool>;

export const ChatToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string().min(1) }) }),
]);
export type ChatToolChoice = z.infer<typeof ChatToolChoice>;

/** Fields of OpenAI's API that ask for something a cascade does not do, with the reason given to the caller. */
export const UNSUPPORTED_CHAT_FIELDS = {
  functions: 'function calling is not supported: use tools, its successor',
  function_call: 'function calling is not supported: use tool_choice, its successor',
  audio: 'audio output is not supported',
  modalities: 'only text output is supported',
  prediction: 'predicted outputs are not supported',
  logit_bias: 'logit_bias is not supported: the models of a cascade differ',
  top_logprobs: 'log probabilities are not supported',
  web_search_options: 'web search is not supported',
  reasoning_effort:
    'reasoning_effort is not supported: most models of a cascade are not reasoning models, and Anthropic models have no such parameter',
} as const;

const unsupported = (reason: string) => z.unknown().optional().describe(`not supported: ${reason}`);

/** llm-cascade's own request options, under the `cascade` extension field. */
export const ChatCascadeOptions = z.strictObject({
  maxCostUsd: z.number().positive('must be greater than 0').max(1000, 'must be at most 1000').optional(),
  groundTruth: z.record(z.string().min(1), GroundTruthValue).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type ChatCascadeOptions = z.infer<typeof ChatCascadeOptions>;

/** What a drop-in request's `model` may name (`api/gateway-models.ts`), as the OpenAPI document says it. */
export const MODEL_FIELD =
  '`cascade` (the classifier picks the route), `cascade/<route>` (that route), or the id of a config model the config exposes (`api.exposeModels`: that model alone, no cascade); anything else is a 400 naming `model`';

/**
 * A chat completion request. `model` is `cascade` (the classifier picks the route),
 * `cascade/<route>`, or an exposed config model's id (`MODEL_FIELD`). The generation parameters
 * (`max_tokens` / `max_completion_tokens`, `temperature`, `top_p`, `stop`, `seed`, the penalties)
 * reach every model call of the cascade, `max_tokens` capped at each model's configured limit; one
 * that a model the request may reach cannot honour (Anthropic models have no `seed` or penalties) is refused with a 400 naming it.
 * `stream: true` is answered with server-sent events once the answer has passed its checks.
 */
export const ChatCompletionRequest = z
  .strictObject({
    model: z.string().min(1, 'must not be empty').describe(MODEL_FIELD),
    messages: z.array(ChatMessage).min(1, 'must hold at least one message').max(500, 'must hold at most 500 messages'),
    response_format: ResponseFormat.optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullable().optional() }).nullable().optional(),
    n: z.literal(1, { error: 'only n: 1 is supported' }).nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    seed: z.number().int().nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    user: z.string().optional(),
    /** Only `false`: the gateway keeps its own record (the workflow history), not OpenAI's stored completions. */
    store: z
      .literal(false, { error: 'only store: false is supported: the cascade is recorded in its workflow history' })
      .nullable()
      .optional(),
    /** Only `auto` / `default`: each model is called on its provider's default tier. */
    service_tier: z.enum(['auto', 'default'], { error: 'only "auto" or "default" is supported' }).nullable().optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    logprobs: z.literal(false, { error: 'log probabilities are not supported' }).nullable().optional(),
    /** llm-cascade's extension: budget, ground truth and metadata for the cascade. */
    cascade: ChatCascadeOptions.optional(),
    tools: z.array(ChatTool).nullable().optional(),
    tool_choice: ChatToolChoice.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    functions: unsupported(UNSUPPORTED_CHAT_FIELDS.functions),
    function_call: unsupported(UNSUPPORTED_CHAT_FIELDS.function_call),
    audio: unsupported(UNSUPPORTED_CHAT_FIELDS.audio),
    modalities: unsupported(UNSUPPORTED_CHAT_FIELDS.modalities),
    prediction: unsupported(UNSUPPORTED_CHAT_FIELDS.prediction),
    logit_bias: unsupported(UNSUPPORTED_CHAT_FIELDS.logit_bias),
    top_logprobs: unsupported(UNSUPPORTED_CHAT_FIELDS.top_logprobs),
    reasoning_effort: unsupported(UNSUPPORTED_CHAT_FIELDS.reasoning_effort),
    web_search_options: unsupported(UNSUPPORTED_CHAT_FIELDS.web_search_options),
  })
  .superRefine((request, ctx) => {
    if (
      request.max_tokens != null &&
      request.max_completion_tokens != null &&
      request.max_tokens !== request.max_completion_tokens
    )
      ctx.addIssue({
        code: 'custom',
        path: ['max_completion_tokens'],
        message: 'differs from max_tokens; send one of them',
      });
    for (const [field, reason] of Object.entries(UNSUPPORTED_CHAT_FIELDS)) {
      const value = request[field as keyof typeof UNSUPPORTED_CHAT_FIELDS];
      if (value !== undefined && value !== null) ctx.addIssue({ code: 'custom', path: [field], message: reason });
    }
  });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** One step of the cascade, as the extension field reports it: everything but the step's answer text. */
export const ChatCascadeStep = Step.omit({ text: true });
export type ChatCascadeStep = z.infer<typeof ChatCascadeStep>;

/** The `cascade` extension field of a chat completion: how the answer was reached and what it cost. */
export const ChatCascadeExtension = z.object({
  id: z.string(),
  outcome: Outcome,
  outcomeReason: z.string(),
  taskType: z.string(),
  route: z.string(),
  finalTier: z.string().nullable(),
  escalations: z.number().int().nonnegative(),
  steps: z.array(ChatCascadeStep),
  costUsd: z.number().nonnegative(),
  baseline: z.object({ model: z.string(), costUsd: z.number().nonnegative() }),
  savedUsd: z.number(),
  /** E.g. that the answers come from simulated providers. */
  notice: z.string().optional(),
  /**
   * Set when the answer did not pass its checks and is returned only because the caller (header
   * `x-cascade-best-effort: true`) or the route (`bestEffort: true`) asked for best-effort answers.
   */
  bestEffort: z.literal(true).optional(),
});
export type ChatCascadeExtension = z.infer<typeof ChatCascadeExtension>;

export const ChatCompletionUsage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative() }),
});
export type ChatCompletionUsage = z.infer<typeof ChatCompletionUsage>;

export const ChatFinishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter']);
export type ChatFinishReason = z.infer<typeof ChatFinishReason>;

/** One tool call's piece in a streamed chunk: the whole call in one delta, as its arguments exist whole. */
export const ChatToolCallDelta = z.object({
  index: z.number().int().nonnegative(),
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** What a completion and each of its streamed chunks share: `model` is the model whose answer the cascade returned. */
const completionEnvelope = {
  id: z.string(),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.null(),
};

/** OpenAI's `chat.completion` object. */
export const ChatCompletionResponse = z.object({
  ...completionEnvelope,
  object: z.literal('chat.completion'),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal('assistant'),
        /** Null when the answer is tool calls alone. */
        content: z.string().nullable(),
        refusal: z.null(),
        tool_calls: z.array(ChatToolCall).optional(),
      }),
      /** The final answer's model's own finish reason (Anthropic's stop_reason mapped to OpenAI's names). */
      finish_reason: ChatFinishReason,
      logprobs: z.null(),
    }),
  ),
  /** Summed over every model call of the cascade, escalations and agreement checks included. */
  usage: ChatCompletionUsage,
  cascade: ChatCascadeExtension,
});
export type ChatCompletionResponse = z.infer<typeof ChatCompletionResponse>;

/**
 * One server-sent event of a streamed chat completion (`chat.completion.chunk`). The last chunk with
 * a choice carries the `cascade` record; with `stream_options.include_usage`, one more chunk with no
 * choices carries the usage.
 */
export const ChatCompletionChunk = z.object({
  ...completionEnvelope,
  object: z.literal('chat.completion.chunk'),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({
        role: z.literal('assistant').optional(),
        content: z.string().nullable().optional(),
        refusal: z.null().optional(),
        tool_calls: z.array(ChatToolCallDelta).optional(),
      }),
      finish_reason: ChatFinishReason.nullable(),
      logprobs: z.null(),
    }),
  ),
  usage: ChatCompletionUsage.nullable().optional(),
  cascade: ChatCascadeExtension.optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;
