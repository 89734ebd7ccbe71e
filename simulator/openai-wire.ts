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

/** The OpenAI Chat Completions wire format (`POST /v1/chat/completions`), as far as the simulator speaks it. */

const ContentPart = z.looseObject({ type: z.string() });

export const OpenaiMessageParam = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
});
export type OpenaiMessageParam = z.infer<typeof OpenaiMessageParam>;

export const OpenaiResponseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes'),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);
export type OpenaiResponseFormat = z.infer<typeof OpenaiResponseFormat>;

/** The request body of `POST /v1/chat/completions`. Fields the simulator does not use pass through unchecked. */
export const OpenaiChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(OpenaiMessageParam).min(1),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  response_format: OpenaiResponseFormat.optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  tools: z
    .array(
      z.looseObject({
        type: z.literal('function'),
        function: z.looseObject({ name: z.string().min(1), parameters: z.record(z.string(), z.unknown()).optional() }),
      }),
    )
    .optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
});
export type OpenaiChatRequest = z.infer<typeof OpenaiChatRequest>;

export const OpenaiFinishReason = z.enum(['stop', 'length', 'tool_calls']);
export type OpenaiFinishReason = z.infer<typeof OpenaiFinishReason>;

export const OpenaiUsage = z.object({
  prompt_tokens: z.number().int().positive(),
  completion_tokens: z.number().int().positive(),
  total_tokens: z.number().int().positive(),
  prompt_tokens_details: z.object({
    cached_tokens: z.number().int().nonnegative(),
    audio_tokens: z.number().int().nonnegative(),
  }),
  completion_tokens_details: z.object({
    reasoning_tokens: z.number().int().nonnegative(),
    audio_tokens: z.number().int().nonnegative(),
    accepted_prediction_tokens: z.number().int().nonnegative(),
    rejected_prediction_tokens: z.number().int().nonnegative(),
  }),
});
export type OpenaiUsage = z.infer<typeof OpenaiUsage>;

export const OpenaiChoice = z.object({
  index: z.number().int().nonnegative(),
  message: z.object({
    role: z.literal('assistant'),
    content: z.string().nullable(),
    refusal: z.string().nullable(),
    annotations: z.array(z.unknown()),
    tool_calls: z
      .array(
        z.object({
          id: z.string(),
          type: z.literal('function'),
          function: z.object({ name: z.string(), arguments: z.string() }),
        }),
      )
      .optional(),
  }),
  finish_reason: OpenaiFinishReason,
  logprobs: z.null(),
});
export type OpenaiChoice = z.infer<typeof OpenaiChoice>;

/** The response body of `POST /v1/chat/completions`. */
export const OpenaiChatCompletion = z.object({
  id: z.string().startsWith('chatcmpl-'),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(OpenaiChoice),
  usage: OpenaiUsage,
  service_tier: z.literal('default'),
  system_fingerprint: z.null(),
  x_simulator: z.object({ recorded_cost_usd: z.number(), sample_id: z.string() }).optional(),
});
export type OpenaiChatCompletion = z.infer<typeof OpenaiChatCompletion>;

export const OpenaiErrorBody = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
});
export type OpenaiErrorBody = z.infer<typeof OpenaiErrorBody>;

interface ErrorKind {
  type: string;
  code: string | null;
  message: string;
}

const ERROR_KINDS_BY_STATUS: Readonly<Record<number, ErrorKind>> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  403: { type: 'invalid_request_error', code: null, message: 'You have insufficient permissions for this operation.' },
  404: { type: 'invalid_request_error', code: null, message: 'The requested resource does not exist.' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request too large.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again later.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

function errorKind(status: number): ErrorKind {
  return ERROR_KINDS_BY_STATUS[status] ?? (status >= 500 ? ERROR_KINDS_BY_STATUS[500]! : ERROR_KINDS_BY_STATUS[400]!);
}

function randomId(prefix: string): string {
  return prefix + randomBytes(18).toString('base64url');
}

function baseHeaders(): Record<string, string> {
  return { 'x-request-id': randomId('req_'), 'openai-processing-ms': '1' };
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string>): OutgoingResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...baseHeaders(), ...headers },
    chunks: [JSON.stringify(body)],
    logBody: body,
  };
}

/** OpenAI's words for a failed check on the body. */
function describeIssue(issue: z.core.$ZodIssue): WireError {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    if (where === 'model')
      return { status: 400, message: 'you must provide a model parameter', param: null, code: null };
    return {
      status: 400,
      message: `Missing required parameter: '${where}'.`,
      param: where,
      code: 'missing_required_parameter',
    };
  }
  return {
    status: 400,
    message: `Invalid value for '${where}': ${issue.message}.`,
    param: where,
    code: issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value',
  };
}

function textOf(content: OpenaiMessageParam['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : []))
    .join('\n');
}

function jsonRequestOf(request: OpenaiChatRequest, system: string, userTexts: string[]): JsonRequest {
  const format = request.response_format;
  if (format?.type === 'json_schema') {
    return { kind: 'schema', schema: format.json_schema.schema ?? {}, enforced: true };
  }
  if (format?.type === 'json_object') {
    // The prompt may still carry the schema the engine wants; json_object guarantees JSON, not the schema.
    const prompted = findPromptJsonRequest([system, ...userTexts.slice(-1)]);
    return prompted.kind === 'schema' ? { ...prompted, enforced: true } : { kind: 'any_json', enforced: true };
  }
  return findPromptJsonRequest([system, ...userTexts.slice(-1)]);
}

function toChatRequest(request: OpenaiChatRequest): ChatRequest {
  const turns = request.messages.map((message) => ({ role: message.role, text: textOf(message.content) }));
  const system = turns
    .filter((turn) => turn.role === 'system' || turn.role === 'developer')
    .map((turn) => turn.text)
    .join('\n');
  const userTexts = turns.filter((turn) => turn.role === 'user').map((turn) => turn.text);
  const stop = request.stop;
  return {
    provider: 'openai',
    model: request.model,
    system,
    userTexts,
    promptText: turns.map((turn) => turn.text).join('\n'),
    maxOutputTokens: request.max_completion_tokens ?? request.max_tokens ?? null,
    stopSequences: stop === undefined || stop === null ? [] : typeof stop === 'string' ? [stop] : stop,
    json: jsonRequestOf(request, system, userTexts),
    tools: (request.tools ?? []).map((tool) => ({
      name: tool.function.name,
      parameters: tool.function.parameters ?? { type: 'object' },
    })),
    toolResultGiven: request.messages[request.messages.length - 1]?.role === 'tool',
  };
}

function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** The completion as `chat.completion.chunk` events, ending with `[DONE]`. */
function streamChunks(completion: OpenaiChatCompletion, includeUsage: boolean): string[] {
  const { id, created, model, service_tier, system_fingerprint } = completion;
  const chunk = (choices: unknown[], usage?: unknown) =>
    sseData({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier,
      system_fingerprint,
      choices,
      ...(includeUsage ? { usage: usage ?? null } : {}),
    });
  const events: string[] = [];
  for (const choice of completion.choices) {
    const { index, message, finish_reason } = choice;
    events.push(
      chunk([{ index, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]),
    );
    if (message.refusal !== null)
      events.push(chunk([{ index, delta: { refusal: message.refusal }, logprobs: null, finish_reason: null }]));
    for (const delta of streamDeltas(message.content ?? ''))
      events.push(chunk([{ index, delta: { content: delta }, logprobs: null, finish_reason: null }]));
    // As OpenAI streams a call: its id and name first, then its arguments in pieces.
    message.tool_calls?.forEach((call, callIndex) => {
      const opening = {
        index: callIndex,
        id: call.id,
        type: 'function',
        function: { name: call.function.name, arguments: '' },
      };
      events.push(chunk([{ index, delta: { tool_calls: [opening] }, logprobs: null, finish_reason: null }]));
      for (const piece of call.function.arguments.match(/[\s\S]{1,16}/g) ?? [])
        events.push(
          chunk([
            {
              index,
              delta: { tool_calls: [{ index: callIndex, function: { arguments: piece } }] },
              logprobs: null,
              finish_reason: null,
            },
          ]),
        );
    });
    events.push(chunk([{ index, delta: {}, logprobs: null, finish_reason }]));
  }
  if (includeUsage) events.push(chunk([], completion.usage));
  events.push('data: [DONE]\n\n');
  return events;
}

export const openaiWire: ProviderWire<OpenaiChatRequest> = {
  provider: 'openai',

  checkHeaders(headers: IncomingHttpHeaders): WireError | undefined {
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : '';
    if (!/^Bearer \S/.test(authorization)) {
      const message =
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      return { status: 401, message, param: null, code: null };
    }
    return undefined;
  },

  parse(body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {
        ok: false,
        error: { status: 400, message: 'We could not parse the JSON body of your request.', param: null, code: null },
      };
    }
    const parsed = OpenaiChatRequest.safeParse(body);
    if (!parsed.success) return { ok: false, error: describeIssue(parsed.error.issues[0]!) };
    const request = parsed.data;
    if (
      request.response_format?.type === 'json_object' &&
      !request.messages.some((m) => /json/i.test(textOf(m.content)))
    ) {
      const message =
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.";
      return { ok: false, error: { status: 400, message, param: 'messages', code: null } };
    }
    const call: ParsedCall<OpenaiChatRequest> = {
      wireRequest: request,
      chat: toChatRequest(request),
      stream: request.stream === true,
    };
    return { ok: true, call };
  },

  answer(call, { completion, refusal, recorded, toolCalls }: WireAnswer): OutgoingResponse {
    const request = call.wireRequest;
    const choices = request.n ?? 1;
    // With Structured Outputs the API reports a refusal beside an empty content, not as the content.
    const refusalField = refusal && request.response_format?.type === 'json_schema';
    const calls = toolCalls?.map((c) => ({
      id: randomId('call_'),
      type: 'function' as const,
      function: { name: c.name, arguments: c.arguments },
    }));
    const body: OpenaiChatCompletion = {
      id: randomId('chatcmpl-'),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: Array.from({ length: choices }, (_, index) => ({
        index,
        message: {
          role: 'assistant',
          content: refusalField || (calls && completion.text === '') ? null : completion.text,
          refusal: refusalField ? completion.text : null,
          annotations: [],
          ...(calls ? { tool_calls: calls } : {}),
        },
        finish_reason: completion.stop === 'max_tokens' ? 'length' : calls ? 'tool_calls' : 'stop',
        logprobs: null,
      })),
      usage: {
        prompt_tokens: completion.inputTokens,
        completion_tokens: completion.outputTokens * choices,
        total_tokens: completion.inputTokens + completion.outputTokens * choices,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: null,
      ...simulatorExtension(recorded),
    };
    if (!call.stream) return jsonResponse(200, body, recordedHeaders(recorded));
    return {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        ...baseHeaders(),
        ...recordedHeaders(recorded),
      },
      chunks: streamChunks(body, request.stream_options?.include_usage === true),
      logBody: body,
    };
  },

  error({ status, message, retryAfterSeconds, param, code }: WireError): OutgoingResponse {
    const kind = errorKind(status);
    const modelMissing = code === 'model_not_found';
    const text = modelMissing
      ? `The model \`${message}\` does not exist or you do not have access to it.`
      : message || kind.message;
    const body: OpenaiErrorBody = {
      error: { message: text, type: kind.type, param: param ?? null, code: code === undefined ? kind.code : code },
    };
    return jsonResponse(
      status,
      body,
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    );
  },
};
