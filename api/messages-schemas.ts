/**
 * The wire types of `POST /v1/messages`: the subset of Anthropic's Messages API a cascade can
 * honour, and its response with the cascade's own record in the `cascade` extension. Fields asking
 * for what a cascade cannot do are refused by name, never dropped.
 */
import { z } from 'zod';
import { ChatCascadeExtension, ChatCascadeOptions, MODEL_FIELD } from './chat-completion-schemas';

const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

/** A content block of a request message: text, a tool call (assistant) or a tool result (user). */
export const MessagesContentBlock = z.discriminatedUnion('type', [
  TextBlock,
  z.looseObject({
    type: z.literal('tool_use'),
    id: z.string().min(1, 'must not be empty'),
    name: z.string().min(1, 'must not be empty'),
    input: z.record(z.string(), z.unknown()),
  }),
  z.looseObject({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1, 'must not be empty'),
    content: z.union([z.string(), z.array(TextBlock, { error: 'only text blocks are supported' })]).optional(),
    is_error: z.boolean().optional(),
  }),
]);
export type MessagesContentBlock = z.infer<typeof MessagesContentBlock>;

export const MessagesMessage = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(MessagesContentBlock)], {
    error: 'must be a string or an array of text, tool_use and tool_result blocks',
  }),
});
export type MessagesMessage = z.infer<typeof MessagesMessage>;

export const MessagesTool = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  /** Accepted: prompt caching is the provider's business, and the cascade's models differ. */
  cache_control: z.unknown().optional(),
});
export type MessagesTool = z.infer<typeof MessagesTool>;

export const MessagesToolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('none') }),
]);
export type MessagesToolChoice = z.infer<typeof MessagesToolChoice>;

/** Fields of Anthropic's API that ask for something a cascade does not do, with the reason given to the caller. */
export const UNSUPPORTED_MESSAGES_FIELDS = {
  top_k: 'top_k is not supported: OpenAI models of a cascade have no such parameter',
  thinking: 'extended thinking is not supported: most models of a cascade have none',
  container: 'containers are not supported',
  mcp_servers: 'MCP servers are not supported',
} as const;

const unsupported = (reason: string) => z.unknown().optional().describe(`not supported: ${reason}`);

/**
 * A Messages request. `model` is `cascade` (the classifier picks the route), `cascade/<route>`, or
 * an exposed config model's id (`MODEL_FIELD`);
 * `max_tokens`, `temperature`, `top_p` and `stop_sequences` reach every model call (`max_tokens`
 * capped at each model's configured limit), `tools` and `tool_choice` too, every tool call checked
 * against its tool's `input_schema`.
 */
export const MessagesRequest = z
  .strictObject({
    model: z.string().min(1, 'must not be empty').describe(MODEL_FIELD),
    max_tokens: z.number().int().positive('must be greater than 0'),
    messages: z
      .array(MessagesMessage)
      .min(1, 'must hold at least one message')
      .max(500, 'must hold at most 500 messages'),
    system: z.union([z.string(), z.array(TextBlock, { error: 'only text blocks are supported' })]).optional(),
    stop_sequences: z.array(z.string()).max(4, 'must hold at most 4 sequences').optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    tools: z.array(MessagesTool).optional(),
    tool_choice: MessagesToolChoice.optional(),
    stream: z.boolean().optional(),
    /** `user_id` is kept in the cascade's metadata. */
    metadata: z.strictObject({ user_id: z.string().nullable().optional() }).optional(),
    /** Only `auto`: each model is called on its provider's default tier. */
    service_tier: z.literal('auto', { error: 'only "auto" is supported' }).optional(),
    /** llm-cascade's extension: budget, ground truth and metadata for the cascade. */
    cascade: ChatCascadeOptions.optional(),
    top_k: unsupported(UNSUPPORTED_MESSAGES_FIELDS.top_k),
    thinking: unsupported(UNSUPPORTED_MESSAGES_FIELDS.thinking),
    container: unsupported(UNSUPPORTED_MESSAGES_FIELDS.container),
    mcp_servers: unsupported(UNSUPPORTED_MESSAGES_FIELDS.mcp_servers),
  })
  .superRefine((request, ctx) => {
    for (const [field, reason] of Object.entries(UNSUPPORTED_MESSAGES_FIELDS)) {
      const value = request[field as keyof typeof UNSUPPORTED_MESSAGES_FIELDS];
      if (value !== undefined && value !== null) ctx.addIssue({ code: 'custom', path: [field], message: reason });
    }
  });
export type MessagesRequest = z.infer<typeof MessagesRequest>;

export const MessagesStopReason = z.enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'refusal']);
export type MessagesStopReason = z.infer<typeof MessagesStopReason>;

export const MessagesResponseBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
]);
export type MessagesResponseBlock = z.infer<typeof MessagesResponseBlock>;

/** Anthropic's `message` object; `model` is the model whose answer the cascade returned. */
export const MessagesResponse = z.object({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(MessagesResponseBlock),
  /** The final model's own stop reason (OpenAI's finish_reason mapped to Anthropic's names). */
  stop_reason: MessagesStopReason,
  /** The stop sequence that ended the answer, when the final model's provider said which (Anthropic). */
  stop_sequence: z.string().nullable(),
  /** Summed over every model call of the cascade, escalations and agreement checks included. */
  usage: z.object({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    cache_read_input_tokens: z.number().int().nonnegative(),
    cache_creation_input_tokens: z.number().int().nonnegative(),
  }),
  cascade: ChatCascadeExtension,
});
export type MessagesResponse = z.infer<typeof MessagesResponse>;
