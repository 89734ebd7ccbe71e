import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { type ChatRequest } from './chat-request';
import { findPromptJsonRequest, type JsonRequest } from './prompt-json-request';
import {
  type OutgoingResponse,
  type ParsedCall,
  type ProviderWire,
  recordedHeaders,
  simulatorExtension,
  streamDeltas,
  type WireAnswer,
  type WireError,
} from './provider-wire';

/** The Anthropic Messages API wire format (`POST /v1/messages`), as far as the simulator speaks it. */

const TextBlockParam = z.looseObject({ type: z.literal('text'), text: z.string() });
const ContentBlockParam = z.looseObject({ type: z.string() });

export const AnthropicMessageParam = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(ContentBlockParam)]),
});
export type AnthropicMessageParam = z.infer<typeof AnthropicMessageParam>;

/** The request body of `POST /v1/messages`. Fields the simulator does not use pass through unchecked. */
export const AnthropicMessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(AnthropicMessageParam).min(1, 'at least one message is required'),
  system: z.union([z.string(), z.array(TextBlockParam)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  tools: z
    .array(z.looseObject({ name: z.string().min(1), input_schema: z.record(z.string(), z.unknown()) }))
    .optional(),
  tool_choice: z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional() }).optional(),
  output_config: z
    .looseObject({
      format: z
        .looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
        .nullable()
        .optional(),
    })
    .optional(),
});
export type AnthropicMessagesRequest = z.infer<typeof AnthropicMessagesRequest>;

export const AnthropicTextBlock = z.object({ type: z.literal('text'), text: z.string(), citations: z.null() });
export type AnthropicTextBlock = z.infer<typeof AnthropicTextBlock>;

export const AnthropicToolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string().startsWith('toolu_'),
  name: z.string(),
  input: z.unknown(),
});
export type AnthropicToolUseBlock = z.infer<typeof AnthropicToolUseBlock>;

export const AnthropicUsage = z.object({
  input_tokens: z.number().int().positive(),
  output_tokens: z.number().int().positive(),
  cache_creation_input_tokens: z.number().int().nonnegative(),
  cache_read_input_tokens: z.number().int().nonnegative(),
  cache_creation: z.object({
    ephemeral_5m_input_tokens: z.number().int(),
    ephemeral_1h_input_tokens: z.number().int(),
  }),
  service_tier: z.literal('standard'),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsage>;

export const AnthropicStopReason = z.enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use']);
export type AnthropicStopReason = z.infer<typeof AnthropicStopReason>;

/** The response body of `POST /v1/messages`. */
export const AnthropicMessage = z.object({
  id: z.string().startsWith('msg_'),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(z.discriminatedUnion('type', [AnthropicTextBlock, AnthropicToolUseBlock])),
  stop_reason: AnthropicStopReason,
  stop_sequence: z.string().nullable(),
  usage: AnthropicUsage,
  x_simulator: z.object({ recorded_cost_usd: z.number(), sample_id: z.string() }).optional(),
});
export type AnthropicMessage = z.infer<typeof AnthropicMessage>;

export const AnthropicErrorType = z.enum([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
]);
export type AnthropicErrorType = z.infer<typeof AnthropicErrorType>;

export const AnthropicErrorBody = z.object({
  type: z.literal('error'),
  error: z.object({ type: AnthropicErrorType, message: z.string() }),
  request_id: z.string(),
});
export type AnthropicErrorBody = z.infer<typeof AnthropicErrorBody>;

const ERROR_TYPES_BY_STATUS: Readonly<Record<number, AnthropicErrorType>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Readonly<Partial<Record<AnthropicErrorType, string>>> = {
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'This request would exceed the rate limit for your organization. Please try again later.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out.',
  overloaded_error: 'Overloaded',
};

/** Anthropic's error type for an HTTP status. */
export function anthropicErrorType(status: number): AnthropicErrorType {
  return ERROR_TYPES_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function randomId(prefix: string): string {
  return prefix + randomBytes(18).toString('base64url');
}

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string>,
  requestId = randomId('req_'),
): OutgoingResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'request-id': requestId, ...headers },
    chunks: [JSON.stringify(body)],
    logBody: body,
  };
}

/** Anthropic's message for a failed check: `path: problem`, e.g. `max_tokens: Field required`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  const problem =
    issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'Field required' : issue.message;
  return where ? `${where}: ${problem}` : problem;
}

function textOf(content: string | readonly { type: string; [field: string]: unknown }[]): string {
  if (typeof content === 'string') return content;
  return content
    .flatMap((block) => (block.type === 'text' && typeof block.text === 'string' ? [block.text] : []))
    .join('\n');
}

function jsonRequestOf(request: AnthropicMessagesRequest, system: string, userTexts: string[]): JsonRequest {
  const format = request.output_config?.format;
  if (format) return { kind: 'schema', schema: format.schema, enforced: true };
  return findPromptJsonRequest([system, ...userTexts.slice(-1)]);
}

function toChatRequest(request: AnthropicMessagesRequest): ChatRequest {
  const system = request.system === undefined ? '' : textOf(request.system);
  const turns = request.messages.map((message) => ({ role: message.role, text: textOf(message.content) }));
  // A user turn of tool results only is the tools speaking, not the user.
  const userTexts = turns
    .filter((turn, i) => turn.role === 'user' && !(turn.text === '' && isToolResultTurn(request.messages[i])))
    .map((turn) => turn.text);
  return {
    provider: 'anthropic',
    model: request.model,
    system,
    userTexts,
    promptText: [...(system ? [system] : []), ...turns.map((turn) => turn.text)].join('\n'),
    maxOutputTokens: request.max_tokens,
    stopSequences: request.stop_sequences ?? [],
    json: jsonRequestOf(request, system, userTexts),
    tools: (request.tools ?? []).map((tool) => ({ name: tool.name, parameters: tool.input_schema })),
    toolResultGiven: isToolResultTurn(request.messages[request.messages.length - 1]),
  };
}

function isToolResultTurn(message: AnthropicMessageParam | undefined): boolean {
  return (
    message?.role === 'user' &&
    typeof message.content !== 'string' &&
    message.content.some((block) => block.type === 'tool_result')
  );
}

/** A tool call's arguments as Anthropic hands them over: parsed. Text that is no JSON object cannot be, so it is wrapped. */
function toolInput(args: string): unknown {
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // Anthropic never sends unparsable input; a script's invalid_json becomes a wrong-shaped object.
  }
  return { unparsed: args };
}

const STOP_REASONS: Readonly<Record<WireAnswer['completion']['stop'], AnthropicStopReason>> = {
  end: 'end_turn',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
};

function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The message as a stream of server-sent events, in the order the real API sends them. */
function streamEvents(message: AnthropicMessage): string[] {
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...message.usage, output_tokens: 1 },
  };
  // A message with no content still streams one (empty) text block, as the API does.
  const blocks: AnthropicMessage['content'] =
    message.content.length > 0 ? message.content : [{ type: 'text', text: '', citations: null }];
  const blockEvents = blocks.flatMap((block, index) => {
    const opening = block.type === 'text' ? { type: 'text', text: '', citations: null } : { ...block, input: {} };
    const deltas =
      block.type === 'text'
        ? streamDeltas(block.text).map((text) => ({ type: 'text_delta', text }))
        : (JSON.stringify(block.input).match(/[\s\S]{1,16}/g) ?? []).map((partial_json) => ({
            type: 'input_json_delta',
            partial_json,
          }));
    return [
      sseEvent('content_block_start', { type: 'content_block_start', index, content_block: opening }),
      ...(index === 0 ? [sseEvent('ping', { type: 'ping' })] : []),
      ...deltas.map((delta) => sseEvent('content_block_delta', { type: 'content_block_delta', index, delta })),
      sseEvent('content_block_stop', { type: 'content_block_stop', index }),
    ];
  });
  return [
    sseEvent('message_start', { type: 'message_start', message: start }),
    ...blockEvents,
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: { output_tokens: message.usage.output_tokens },
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  ];
}

export const anthropicWire: ProviderWire<AnthropicMessagesRequest> = {
  provider: 'anthropic',

  checkHeaders(headers: IncomingHttpHeaders): WireError | undefined {
    const bearer = typeof headers.authorization === 'string' && /^Bearer \S/.test(headers.authorization);
    if (!headers['x-api-key'] && !bearer) return { status: 401, message: 'x-api-key header is required' };
    if (!headers['anthropic-version']) return { status: 400, message: 'anthropic-version: header is required' };
    return undefined;
  },

  parse(body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: false, error: { status: 400, message: 'The request body must be a JSON object.' } };
    }
    const messages = (body as { messages?: unknown }).messages;
    if (
      Array.isArray(messages) &&
      messages.some((message) => (message as { role?: unknown } | null)?.role === 'system')
    ) {
      const message =
        'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';
      return { ok: false, error: { status: 400, message } };
    }
    const parsed = AnthropicMessagesRequest.safeParse(body);
    if (!parsed.success)
      return { ok: false, error: { status: 400, message: parsed.error.issues.map(describeIssue).join('; ') } };
    const call: ParsedCall<AnthropicMessagesRequest> = {
      wireRequest: parsed.data,
      chat: toChatRequest(parsed.data),
      stream: parsed.data.stream === true,
    };
    return { ok: true, call };
  },

  answer(call, { completion, recorded, toolCalls }): OutgoingResponse {
    const toolUses: AnthropicToolUseBlock[] = (toolCalls ?? []).map((c) => ({
      type: 'tool_use',
      id: randomId('toolu_'),
      name: c.name,
      input: toolInput(c.arguments),
    }));
    const message: AnthropicMessage = {
      id: randomId('msg_'),
      type: 'message',
      role: 'assistant',
      model: call.wireRequest.model,
      // A model that says nothing returns no content block at all.
      content: [
        ...(completion.text === '' ? [] : [{ type: 'text' as const, text: completion.text, citations: null }]),
        ...toolUses,
      ],
      stop_reason: completion.stop === 'end' && toolUses.length > 0 ? 'tool_use' : STOP_REASONS[completion.stop],
      stop_sequence: completion.stopSequence,
      usage: {
        input_tokens: completion.inputTokens,
        output_tokens: completion.outputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        service_tier: 'standard',
      },
      ...simulatorExtension(recorded),
    };
    if (!call.stream) return jsonResponse(200, message, recordedHeaders(recorded));
    return {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'request-id': randomId('req_'),
        ...recordedHeaders(recorded),
      },
      chunks: streamEvents(message),
      logBody: message,
    };
  },

  error({ status, message, retryAfterSeconds, code }: WireError): OutgoingResponse {
    const type = anthropicErrorType(status);
    const text =
      code === 'model_not_found' ? `model: ${message}` : message || (DEFAULT_MESSAGES[type] ?? `HTTP ${status}`);
    const requestId = randomId('req_');
    const body: AnthropicErrorBody = { type: 'error', error: { type, message: text }, request_id: requestId };
    return jsonResponse(
      status,
      body,
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      requestId,
    );
  },
};
