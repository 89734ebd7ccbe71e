import { z } from 'zod';
import { TASK_TYPE_PATTERN } from './task-types';
import { formatIssues } from './format-issues';

/** Request ids become Temporal workflow ids, so they are limited to characters that read well in the UI and CLI. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/;

/** A tool call a model made: `arguments` is the JSON text the model wrote (it may not parse: that is checked). */
export const ToolCall = z.strictObject({
  id: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  name: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  arguments: z.string().max(1_000_000, 'must be at most 1,000,000 characters'),
});
export type ToolCall = z.infer<typeof ToolCall>;

/**
 * One turn of a conversation. `assistant` turns may carry the tool calls the model made (their
 * content may then be empty); a `tool` turn is a tool's result, answering the call `toolCallId`.
 */
export const Message = z
  .strictObject({
    role: z.enum(['user', 'assistant', 'tool']),
    content: z.string().max(1_000_000, 'must be at most 1,000,000 characters'),
    toolCalls: z.array(ToolCall).min(1, 'must hold at least one tool call').max(128).optional(),
    toolCallId: z.string().min(1, 'must not be empty').max(200).optional(),
  })
  .superRefine((message, ctx) => {
    if (message.content === '' && !(message.role === 'assistant' && message.toolCalls))
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'must not be empty' });
    if (message.toolCalls && message.role !== 'assistant')
      ctx.addIssue({ code: 'custom', path: ['toolCalls'], message: 'only assistant messages carry tool calls' });
    if (message.role === 'tool' && message.toolCallId === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['toolCallId'],
        message: 'required on a tool message: the call it answers',
      });
    if (message.role !== 'tool' && message.toolCallId !== undefined)
      ctx.addIssue({ code: 'custom', path: ['toolCallId'], message: 'only tool messages answer a tool call' });
  });
export type Message = z.infer<typeof Message>;

/** A ground-truth value an answer must not contradict. */
export const GroundTruthValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type GroundTruthValue = z.infer<typeof GroundTruthValue>;

/** A JSON Schema is a JSON object (or `true`/`false`); its validity is checked with `validateJsonSchema`. */
export const JsonSchemaDocument = z.union([z.record(z.string(), z.unknown()), z.boolean()]);
export type JsonSchemaDocument = z.infer<typeof JsonSchemaDocument>;

/**
 * Generation parameters for every model call of the cascade, as the caller asked for them. Each is
 * honoured by every model call (`maxTokens` within each model's configured `maxOutputTokens`) or
 * the request is refused before it starts: providers/provider-table.ts says which provider cannot
 * honour which, and validation refuses a parameter a model the request may reach cannot honour.
 */
export const GenerationParams = z.strictObject({
  /** The most output tokens per model call; each call takes the lower of this and its model's limit. */
  maxTokens: z.number().int().positive('must be greater than 0').max(1_000_000).optional(),
  temperature: z.number().min(0, 'must be at least 0').max(2, 'must be at most 2').optional(),
  topP: z.number().min(0, 'must be at least 0').max(1, 'must be at most 1').optional(),
  /** Sequences that end the answer where they would start (not included in it). */
  stop: z.array(z.string().min(1, 'must not be empty')).min(1).max(4, 'must hold at most 4 sequences').optional(),
  seed: z.number().int().optional(),
  frequencyPenalty: z.number().min(-2, 'must be at least -2').max(2, 'must be at most 2').optional(),
  presencePenalty: z.number().min(-2, 'must be at least -2').max(2, 'must be at most 2').optional(),
});
export type GenerationParams = z.infer<typeof GenerationParams>;
export type GenerationParam = keyof GenerationParams;

/** A tool the models may call; `parameters` is the JSON Schema its arguments must validate against. */
export const ToolDefinition = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().max(10_000, 'must be at most 10,000 characters').optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

/** Whether the model may (`auto`), must not (`none`) or must (`required`) call a tool, or which one it must call. */
export const ToolChoice = z.union([z.enum(['auto', 'none', 'required']), z.strictObject({ name: z.string().min(1) })]);
export type ToolChoice = z.infer<typeof ToolChoice>;

/**
 * One request to the cascade. `id` is the idempotency key and becomes the workflow id: the same id
 * submitted twice attaches to the same run. Exactly one of `prompt` and `messages` is given.
 */
export const CascadeRequest = z
  .strictObject({
    id: z
      .string()
      .regex(
        REQUEST_ID_PATTERN,
        'must be 1-200 characters: letters, digits and . _ : / @ -, starting with a letter or digit',
      )
      .optional(),
    prompt: z.string().min(1, 'must not be empty').max(1_000_000, 'must be at most 1,000,000 characters').optional(),
    messages: z
      .array(Message)
      .min(1, 'must hold at least one message')
      .max(500, 'must hold at most 500 messages')
      .optional(),
    system: z.string().max(200_000, 'must be at most 200,000 characters').optional(),
    /** Skips classification and takes this route. */
    taskType: z.string().regex(TASK_TYPE_PATTERN, 'must be a route name: lowercase letters, digits, _ or -').optional(),
    /**
     * Calls this config model alone, with no cascade: the route (given or classified) still gives
     * the checks, which annotate the answer, its instruction and its budget, but the plan is the
     * model's own tier from it on (`pinnedTier`: its later fallbacks ride out an outage), and a
     * failed check ends the request `exhausted`. The HTTP API accepts only the models its
     * `api.exposeModels` exposes.
     */
    model: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$/,
        'must be a model id of the config: 1-128 letters, digits or . _ / : -',
      )
      .optional(),
    /** The answer must be JSON valid against this JSON Schema. */
    schema: JsonSchemaDocument.optional(),
    /** Facts the answer must not contradict, by field name (dotted paths allowed). */
    groundTruth: z.record(z.string().min(1), GroundTruthValue).optional(),
    maxCostUsd: z.number().positive('must be greater than 0').max(1000, 'must be at most 1000').optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Generation parameters passed to every model call. */
    params: GenerationParams.optional(),
    /** Tools the models may call; a tool call is checked against its tool's `parameters` schema. */
    tools: z
      .array(ToolDefinition)
      .min(1, 'must hold at least one tool')
      .max(128, 'must hold at most 128 tools')
      .optional(),
    toolChoice: ToolChoice.optional(),
    /** `false`: at most one tool call per answer. */
    parallelToolCalls: z.boolean().optional(),
  })
  .superRefine((request, ctx) => {
    if (request.prompt === undefined && request.messages === undefined) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'either prompt or messages is required' });
    }
    if (request.prompt !== undefined && request.messages !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'give either prompt or messages, not both' });
    }
    const last = request.messages?.[request.messages.length - 1];
    if (last && last.role === 'assistant') {
      ctx.addIssue({
        code: 'custom',
        path: ['messages', request.messages!.length - 1, 'role'],
        message: 'the last message must be from the user (or a tool result)',
      });
    }
    const names = new Set<string>();
    request.tools?.forEach((tool, i) => {
      if (names.has(tool.name))
        ctx.addIssue({ code: 'custom', path: ['tools', i, 'name'], message: `a second tool named "${tool.name}"` });
      names.add(tool.name);
    });
    if (request.toolChoice !== undefined && !request.tools)
      ctx.addIssue({ code: 'custom', path: ['toolChoice'], message: 'needs tools to choose from' });
    if (typeof request.toolChoice === 'object' && request.tools && !names.has(request.toolChoice.name))
      ctx.addIssue({
        code: 'custom',
        path: ['toolChoice', 'name'],
        message: `no tool named "${request.toolChoice.name}"`,
      });
    if (request.parallelToolCalls !== undefined && !request.tools)
      ctx.addIssue({ code: 'custom', path: ['parallelToolCalls'], message: 'needs tools' });
    // Every tool result answers a call an earlier assistant message made.
    const calls = new Set<string>();
    request.messages?.forEach((message, i) => {
      message.toolCalls?.forEach((call) => calls.add(call.id));
      if (message.role === 'tool' && message.toolCallId !== undefined && !calls.has(message.toolCallId))
        ctx.addIssue({
          code: 'custom',
          path: ['messages', i, 'toolCallId'],
          message: `no earlier assistant message made the tool call "${message.toolCallId}"`,
        });
    });
  });
export type CascadeRequest = z.infer<typeof CascadeRequest>;

/** A request that failed validation; `problems` has one line per problem, each naming its field. */
export class RequestValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid request: ${problems.join('; ')}`);
    this.name = 'RequestValidationError';
  }
}

/**
 * A request too large to run: a model call's prompt would exceed what one Temporal payload carries.
 * A validation error (nothing starts), answered with 413 by the HTTP API.
 */
export class RequestTooLargeError extends RequestValidationError {
  constructor(problems: string[]) {
    super(problems);
    this.name = 'RequestTooLargeError';
  }
}

/** Parses untrusted input into a `CascadeRequest`, or throws `RequestValidationError`. */
export function parseRequest(value: unknown): CascadeRequest {
  const parsed = CascadeRequest.safeParse(value);
  if (!parsed.success) throw new RequestValidationError(formatIssues(parsed.error.issues));
  return parsed.data;
}

/** The conversation a request describes, as messages (a `prompt` is one user message). */
export function requestMessages(request: Pick<CascadeRequest, 'prompt' | 'messages'>): Message[] {
  if (request.messages) return request.messages;
  return [{ role: 'user', content: request.prompt ?? '' }];
}

/** The text the classifier reads: the last user turn (a tool result continues the conversation the user started). */
export function lastUserText(request: Pick<CascadeRequest, 'prompt' | 'messages'>): string {
  const messages = requestMessages(request);
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.content;
  return '';
}
