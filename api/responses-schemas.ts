/**
 * The wire types of `POST /v1/responses`: the subset of OpenAI's Responses API a cascade can
 * honour, and its response with the cascade's own record in the `cascade` extension. Fields asking
 * for what a cascade cannot do (stored responses, hosted tools, reasoning settings) are refused by
 * name, never dropped.
 */
import { z } from 'zod';
import { ChatCascadeExtension, ChatCascadeOptions, MODEL_FIELD } from './chat-completion-schemas';

/**
 * A content part of an input message. Only text is supported: `input_text`, or `output_text` when
 * an earlier response's message is sent back (its `annotations` and `logprobs` are accepted as the
 * SDK hands them back). Any other type is refused by `ResponsesMessageItem` with a message naming it.
 */
const ResponsesContentPart = z.looseObject({ type: z.string(), text: z.unknown().optional() });

/** A message item of `input`: the easy form (`{role, content}`) or the typed one, an earlier output message included. */
export const ResponsesMessageItem = z
  .strictObject({
    type: z.literal('message').optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: z.union([z.string(), z.array(ResponsesContentPart)], {
      error: 'must be a string or an array of input_text / output_text parts',
    }),
    /** Set on an earlier response's output message sent back as input; the message is taken as it is. */
    id: z.string().optional(),
    status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
    phase: z.enum(['commentary', 'final_answer']).nullable().optional(),
  })
  .superRefine((message, ctx) => {
    if (typeof message.content === 'string') return;
    message.content.forEach((part, i) => {
      if (part.type !== 'input_text' && part.type !== 'output_text') {
        ctx.addIssue({
          code: 'custom',
          path: ['content', i, 'type'],
          message: `only input_text and output_text parts are supported, got "${part.type}"`,
        });
      } else if (typeof part.text !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['content', i, 'text'], message: 'must be a string' });
      }
    });
  });
export type ResponsesMessageItem = z.infer<typeof ResponsesMessageItem>;

/** A function call an earlier response made, sent back so the model sees what it called. */
export const ResponsesFunctionCallItem = z.strictObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1, 'must not be empty'),
  name: z.string().min(1, 'must not be empty'),
  arguments: z.string(),
  id: z.string().optional(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
});
export type ResponsesFunctionCallItem = z.infer<typeof ResponsesFunctionCallItem>;

/** A function call's result, as the caller ran it. */
export const ResponsesFunctionCallOutputItem = z.strictObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1, 'must not be empty'),
  output: z.union([z.string(), z.array(z.strictObject({ type: z.literal('input_text'), text: z.string() }))], {
    error: 'must be a string or an array of input_text parts',
  }),
  id: z.string().optional(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
});
export type ResponsesFunctionCallOutputItem = z.infer<typeof ResponsesFunctionCallOutputItem>;

const INPUT_ITEM_TYPES = ['message', 'function_call', 'function_call_output'];

/** The type an unsupported item or tool said it was, for the message refusing it. */
function typeOf(input: unknown): string {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  return JSON.stringify(type) ?? 'undefined';
}

/**
 * One item of `input`. Items of other types (reasoning, item references, hosted tool calls) are
 * refused naming their type: a cascade keeps no stored items to refer to and runs no hosted tools.
 */
export const ResponsesInputItem = z.discriminatedUnion(
  'type',
  [ResponsesMessageItem, ResponsesFunctionCallItem, ResponsesFunctionCallOutputItem],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const type = typeOf(issue.input);
      // The Vercel AI SDK refers to earlier output items by id unless told that responses are not stored.
      const hint =
        type === '"item_reference"'
          ? ': responses are not stored, so send the items themselves (the Vercel AI SDK does with providerOptions.openai.store: false)'
          : '';
      return `input items of type ${type} are not supported${hint}; use one of ${INPUT_ITEM_TYPES.join(', ')}`;
    },
  },
);
export type ResponsesInputItem = z.infer<typeof ResponsesInputItem>;

/**
 * `ResponsesInputItem` as `input`'s items: its problems reported as they are, but without ending
 * the string-or-list choice of `input` (an item of an unknown type would otherwise be reported as
 * "`input` must be a string or a list"). The OpenAPI document shows `ResponsesInputItem` here.
 */
const CheckedInputItem = z
  .unknown()
  .transform((item, ctx): ResponsesInputItem => {
    const parsed = ResponsesInputItem.safeParse(item);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, continue: true });
    return z.NEVER;
  })
  .meta({ $ref: '#/components/schemas/ResponsesInputItem' });

/** `text.format`: plain text, any JSON object, or JSON validating against a schema (the cascade's json_schema check). */
export const ResponsesTextFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    description: z.string().optional(),
    /** The JSON Schema the answer must validate against: becomes the cascade's `schema` check. */
    schema: z.record(z.string(), z.unknown()),
    /** Accepted: the cascade validates the answer against `schema` whatever this says. */
    strict: z.boolean().nullable().optional(),
  }),
]);
export type ResponsesTextFormat = z.infer<typeof ResponsesTextFormat>;

export const ResponsesTextConfig = z.strictObject({
  format: ResponsesTextFormat.optional(),
  verbosity: z
    .null({ error: 'verbosity is not supported: most models of a cascade have no such parameter' })
    .optional(),
});
export type ResponsesTextConfig = z.infer<typeof ResponsesTextConfig>;

/** A function tool the models may call; its `parameters` schema is what the tool_call check validates arguments against. */
export const ResponsesFunctionTool = z.strictObject({
  type: z.literal('function'),
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  /** Accepted: the cascade validates every call against `parameters` whatever this says. */
  strict: z.boolean().nullable().optional(),
});
export type ResponsesFunctionTool = z.infer<typeof ResponsesFunctionTool>;

/** A tool of `tools`: a hosted tool (web search, file search, ...) is refused naming its type. */
export const ResponsesTool = z.discriminatedUnion('type', [ResponsesFunctionTool], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `tools of type ${typeOf(issue.input)} are not supported: only function tools, which the caller runs`
      : undefined,
});

export const ResponsesToolChoice = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.strictObject({ type: z.literal('function'), name: z.string().min(1, 'must not be empty') }),
  ],
  { error: 'must be "none", "auto", "required" or {"type": "function", "name": ...}' },
);
export type ResponsesToolChoice = z.infer<typeof ResponsesToolChoice>;

/** Fields of OpenAI's Responses API that ask for something a cascade does not do, with the reason given to the caller. */
export const UNSUPPORTED_RESPONSES_FIELDS = {
  previous_response_id:
    'previous_response_id is not supported: responses are not stored; send the whole conversation as input items',
  conversation: 'conversations are not supported: responses are not stored; send the whole conversation as input',
  background: 'background responses are not supported: use POST /v1/cascades, which answers at once with a status URL',
  prompt: 'stored prompts are not supported: send instructions and input',
  include: 'include is not supported: a response carries no extra data to include',
  reasoning:
    'reasoning settings are not supported: most models of a cascade are not reasoning models, and Anthropic models have no such parameter',
  top_logprobs: 'log probabilities are not supported',
  context_management: 'context management is not supported',
  moderation: 'moderation is not supported',
  prompt_cache_key: 'prompt_cache_key is not supported: the models of a cascade differ',
  prompt_cache_retention: 'prompt_cache_retention is not supported: the models of a cascade differ',
  prompt_cache_options: 'prompt_cache_options is not supported: the models of a cascade differ',
  safety_identifier: 'safety_identifier is not supported: send user, which is kept in the cascade metadata',
} as const;

const unsupported = (reason: string) => z.unknown().optional().describe(`not supported: ${reason}`);

/** Unset-looking values (null, an empty list) ask for nothing; anything else in an unsupported field is refused. */
function asksForSomething(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/**
 * A Responses request. `model` is `cascade` (the classifier picks the route), `cascade/<route>`, or
 * an exposed config model's id (`MODEL_FIELD`); `instructions` and system / developer messages
 * become the system text; `max_output_tokens`, `temperature` and `top_p` reach every model call of
 * the cascade (`max_output_tokens` capped at each model's configured limit); `text.format` a JSON
 * Schema to check the answer against; function tools are checked against their `parameters`.
 * `stream: true` is answered with the Responses stream events once the answer has passed its checks.
 */
export const ResponsesRequest = z
  .strictObject({
    model: z.string().min(1, 'must not be empty').describe(MODEL_FIELD),
    input: z.union(
      [
        z.string().min(1, 'must not be empty'),
        z.array(CheckedInputItem).min(1, 'must hold at least one item').max(500, 'must hold at most 500 items'),
      ],
      { error: 'must be a string or an array of input items' },
    ),
    instructions: z.string().nullable().optional(),
    max_output_tokens: z.number().int().positive('must be greater than 0').nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    text: ResponsesTextConfig.optional(),
    stream: z.boolean().nullable().optional(),
    /** Only `include_obfuscation: false`: the events are sent as they are. */
    stream_options: z
      .strictObject({
        include_obfuscation: z
          .literal(false, { error: 'only include_obfuscation: false is supported: events are sent unpadded' })
          .optional(),
      })
      .nullable()
      .optional(),
    tools: z.array(ResponsesTool).optional(),
    tool_choice: ResponsesToolChoice.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    /** Only `false`: responses are not stored for retrieval; the cascade's record is at `GET /v1/cascades/{id}`. */
    store: z
      .literal(false, {
        error:
          'only store: false is supported: responses are not stored for retrieval; the cascade record is at GET /v1/cascades/{id}',
      })
      .nullable()
      .optional(),
    /** Only `disabled`: an input too long for a model is an error, never cut. */
    truncation: z.literal('disabled', { error: 'only "disabled" is supported' }).nullable().optional(),
    /** Only `auto` / `default`: each model is called on its provider's default tier. */
    service_tier: z.enum(['auto', 'default'], { error: 'only "auto" or "default" is supported' }).nullable().optional(),
    /** Kept in the cascade's metadata, as `user` is. */
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    user: z.string().optional(),
    /** llm-cascade's extension: budget, ground truth and metadata for the cascade. */
    cascade: ChatCascadeOptions.optional(),
    previous_response_id: unsupported(UNSUPPORTED_RESPONSES_FIELDS.previous_response_id),
    conversation: unsupported(UNSUPPORTED_RESPONSES_FIELDS.conversation),
    background: unsupported(UNSUPPORTED_RESPONSES_FIELDS.background),
    prompt: unsupported(UNSUPPORTED_RESPONSES_FIELDS.prompt),
    include: unsupported(UNSUPPORTED_RESPONSES_FIELDS.include),
    reasoning: unsupported(UNSUPPORTED_RESPONSES_FIELDS.reasoning),
    top_logprobs: unsupported(UNSUPPORTED_RESPONSES_FIELDS.top_logprobs),
    context_management: unsupported(UNSUPPORTED_RESPONSES_FIELDS.context_management),
    moderation: unsupported(UNSUPPORTED_RESPONSES_FIELDS.moderation),
    prompt_cache_key: unsupported(UNSUPPORTED_RESPONSES_FIELDS.prompt_cache_key),
    prompt_cache_retention: unsupported(UNSUPPORTED_RESPONSES_FIELDS.prompt_cache_retention),
    prompt_cache_options: unsupported(UNSUPPORTED_RESPONSES_FIELDS.prompt_cache_options),
    safety_identifier: unsupported(UNSUPPORTED_RESPONSES_FIELDS.safety_identifier),
  })
  .superRefine((request, ctx) => {
    for (const [field, reason] of Object.entries(UNSUPPORTED_RESPONSES_FIELDS)) {
      const value = request[field as keyof typeof UNSUPPORTED_RESPONSES_FIELDS];
      if (asksForSomething(value)) ctx.addIssue({ code: 'custom', path: [field], message: reason });
    }
  });
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;

/** A text part of an output message. */
export const ResponsesOutputText = z.object({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.never()),
});

/** The answer's text, as one assistant message. */
export const ResponsesOutputMessage = z.object({
  type: z.literal('message'),
  id: z.string(),
  status: z.enum(['in_progress', 'completed', 'incomplete']),
  role: z.literal('assistant'),
  content: z.array(ResponsesOutputText),
});
export type ResponsesOutputMessage = z.infer<typeof ResponsesOutputMessage>;

/** One tool call of the answer; its arguments passed the tool_call check (unless best effort was asked for). */
export const ResponsesOutputFunctionCall = z.object({
  type: z.literal('function_call'),
  id: z.string(),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  status: z.enum(['in_progress', 'completed', 'incomplete']),
});
export type ResponsesOutputFunctionCall = z.infer<typeof ResponsesOutputFunctionCall>;

export const ResponsesOutputItem = z.discriminatedUnion('type', [ResponsesOutputMessage, ResponsesOutputFunctionCall]);
export type ResponsesOutputItem = z.infer<typeof ResponsesOutputItem>;

/** Summed over every model call of the cascade, escalations and agreement checks included. */
export const ResponsesUsage = z.object({
  input_tokens: z.number().int().nonnegative(),
  input_tokens_details: z.object({
    cached_tokens: z.number().int().nonnegative(),
    cache_write_tokens: z.number().int().nonnegative(),
  }),
  output_tokens: z.number().int().nonnegative(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().int().nonnegative() }),
  total_tokens: z.number().int().nonnegative(),
});
export type ResponsesUsage = z.infer<typeof ResponsesUsage>;

/**
 * OpenAI's `response` object. `model` is the model whose answer the cascade returned; `status` is
 * `incomplete` (with the reason) only when that answer was cut at its output limit, which only a
 * best-effort answer can be (a truncated answer fails the `complete` check). The request's settings
 * are echoed as OpenAI echoes them; the SDK computes `output_text` from `output`.
 */
export const ResponsesResponse = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number().int(),
  status: z.enum(['completed', 'incomplete', 'in_progress']),
  incomplete_details: z.object({ reason: z.literal('max_output_tokens') }).nullable(),
  error: z.null(),
  model: z.string(),
  output: z.array(ResponsesOutputItem),
  instructions: z.string().nullable(),
  max_output_tokens: z.number().int().nullable(),
  temperature: z.number().nullable(),
  top_p: z.number().nullable(),
  parallel_tool_calls: z.boolean(),
  tool_choice: ResponsesToolChoice,
  tools: z.array(ResponsesFunctionTool),
  text: z.object({ format: ResponsesTextFormat }),
  metadata: z.record(z.string(), z.string()),
  store: z.literal(false),
  user: z.string().optional(),
  usage: ResponsesUsage.nullable(),
  cascade: ChatCascadeExtension.optional(),
});
export type ResponsesResponse = z.infer<typeof ResponsesResponse>;

/**
 * One server-sent event of a streamed response, as `event: <type>` plus this JSON: the lifecycle
 * events carry the response, the item and part events their item or part, the deltas their text.
 */
export const ResponsesStreamEvent = z.looseObject({
  type: z.string(),
  sequence_number: z.number().int().nonnegative(),
});
export type ResponsesStreamEvent = z.infer<typeof ResponsesStreamEvent>;
