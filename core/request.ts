import { z } from 'zod';
import { TASK_TYPE_PATTERN } from './task-types';
import { formatIssues } from './format-issues';

/** Request ids become Temporal workflow ids, so they are limited to characters that read well in the UI and CLI. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/;

export const Message = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.string().min(1, 'must not be empty').max(1_000_000, 'must be at most 1,000,000 characters'),
});
export type Message = z.infer<typeof Message>;

/** A ground-truth value an answer must not contradict. */
export const GroundTruthValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type GroundTruthValue = z.infer<typeof GroundTruthValue>;

/** A JSON Schema is a JSON object (or `true`/`false`); its validity is checked with `validateJsonSchema`. */
export const JsonSchemaDocument = z.union([z.record(z.string(), z.unknown()), z.boolean()]);
export type JsonSchemaDocument = z.infer<typeof JsonSchemaDocument>;

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
    /** The answer must be JSON valid against this JSON Schema. */
    schema: JsonSchemaDocument.optional(),
    /** Facts the answer must not contradict, by field name (dotted paths allowed). */
    groundTruth: z.record(z.string().min(1), GroundTruthValue).optional(),
    maxCostUsd: z.number().positive('must be greater than 0').max(1000, 'must be at most 1000').optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .superRefine((request, ctx) => {
    if (request.prompt === undefined && request.messages === undefined) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'either prompt or messages is required' });
    }
    if (request.prompt !== undefined && request.messages !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'give either prompt or messages, not both' });
    }
    const last = request.messages?.[request.messages.length - 1];
    if (last && last.role !== 'user') {
      ctx.addIssue({
        code: 'custom',
        path: ['messages', request.messages!.length - 1, 'role'],
        message: 'the last message must be from the user',
      });
    }
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

/** The text the classifier reads: the last user turn. */
export function lastUserText(request: Pick<CascadeRequest, 'prompt' | 'messages'>): string {
  const messages = requestMessages(request);
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.content;
  return '';
}
