import { z } from 'zod';
import { CascadeRequest } from '../core/request';
import { AnthropicErrorResponse, ApiErrorResponse, OpenAIErrorResponse } from './api-error';
import { MessagesRequest, MessagesResponse } from './messages-schemas';
import { ResponsesInputItem, ResponsesRequest, ResponsesResponse, ResponsesStreamEvent } from './responses-schemas';
import { AnthropicModelList, OpenAIModelList } from './model-routes';
import {
  CancelCascadeResponse,
  CascadeDescriptionResponse,
  CascadeStepsResponse,
  HealthResponse,
  ListCascadesQuery,
  ListCascadesResponse,
  ReadinessResponse,
  SubmitCascadeQuery,
  SubmitCascadeResponse,
} from './cascade-schemas';
import { ChatCompletionChunk, ChatCompletionRequest, ChatCompletionResponse } from './chat-completion-schemas';

type JsonObject = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });

/** Components from zod schemas; requests in their input form (defaults optional), responses as sent. */
function components(): Record<string, JsonObject> {
  const requests = z.registry<{ id: string }>();
  requests.add(CascadeRequest, { id: 'CascadeRequest' });
  requests.add(ChatCompletionRequest, { id: 'ChatCompletionRequest' });
  requests.add(MessagesRequest, { id: 'MessagesRequest' });
  requests.add(ResponsesRequest, { id: 'ResponsesRequest' });
  requests.add(ResponsesInputItem, { id: 'ResponsesInputItem' });
  const responses = z.registry<{ id: string }>();
  const named = {
    SubmitCascadeResponse,
    CascadeDescriptionResponse,
    CascadeStepsResponse,
    CancelCascadeResponse,
    ListCascadesResponse,
    ChatCompletionResponse,
    ChatCompletionChunk,
    MessagesResponse,
    ResponsesResponse,
    ResponsesStreamEvent,
    OpenAIModelList,
    AnthropicModelList,
    AnthropicErrorResponse,
    HealthResponse,
    ReadinessResponse,
    ApiErrorResponse,
    OpenAIErrorResponse,
  };
  for (const [id, schema] of Object.entries(named)) responses.add(schema, { id });

  const uri = (id: string) => `#/components/schemas/${id}`;
  const generated = {
    ...z.toJSONSchema(requests, { io: 'input', uri, unrepresentable: 'any' }).schemas,
    ...z.toJSONSchema(responses, { io: 'output', uri, unrepresentable: 'any' }).schemas,
  };
  // Each generated schema is a standalone document; as an OpenAPI component it carries neither.
  return Object.fromEntries(
    Object.entries(generated).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

/** Query parameters from a query schema: each property becomes an optional `in: query` parameter. */
function queryParameters(schema: z.ZodType): JsonObject[] {
  const document = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonObject>;
  };
  return Object.entries(document.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
  }));
}

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description:
    "the cascade (request) id, percent-encoded; an admin key names another tenant's cascade as `<tenant>~<id>`",
  schema: { type: 'string' },
};
const bestEffort = {
  name: 'x-cascade-best-effort',
  in: 'header',
  required: false,
  description:
    '`true`: when no answer passes its checks, return the last one as a success marked `cascade.bestEffort` (and the same response header) instead of a 422',
  schema: { type: 'string', enum: ['true', 'false'] },
};
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'becomes the request id: the same key again returns the same cascade, never a second run',
  schema: { type: 'string' },
};

/** What an error status means where the API gives it a meaning of its own. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  403: "only an admin key lists another tenant's cascades",
  404: "no such cascade in the caller's tenant (another tenant's cascade is a 404 too, never a 403)",
  421: 'the API runs without keys and the Host header is not a loopback name (DNS rebinding protection)',
  429: 'the API key is over its rate limit; `retry-after` says how many seconds to wait',
};

/** Every endpoint behind the key check may answer these. */
const GUARDED = [401, 421, 429];

function errors(statuses: number[], schema = 'ApiErrorResponse'): Record<string, JsonObject> {
  return Object.fromEntries(
    [...new Set([...statuses, ...GUARDED])].sort().map((status) => [
      String(status),
      {
        description: ERROR_DESCRIPTIONS[status] ?? `error ${status}`,
        ...(status === 429
          ? {
              headers: {
                'retry-after': { description: 'seconds until the key may call again', schema: { type: 'integer' } },
              },
            }
          : {}),
        ...json(schema),
      },
    ]),
  );
}

/** The OpenAPI 3.1 description of the HTTP API, generated from the same zod schemas that validate it. */
export function buildOpenApiDocument(options: { version: string; authRequired: boolean }): JsonObject {
  const security = options.authRequired ? [{ bearer: [] }] : [];
  return {
    openapi: '3.1.0',
    info: {
      title: 'llm-cascade',
      version: options.version,
      description:
        'Routes each LLM request to the cheapest model that can do it, escalating on structural evidence. Every request is one Temporal workflow.',
    },
    components: {
      schemas: components(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            "an API key from LLM_CASCADE_API_KEYS or the config's api.keys; it decides the tenant whose cascades the caller sees",
        },
      },
    },
    security,
    paths: {
      '/v1/cascades': {
        post: {
          summary: 'Submit a cascade (optionally wait for its result)',
          parameters: [...queryParameters(SubmitCascadeQuery), idempotencyKey],
          requestBody: { required: true, ...json('CascadeRequest') },
          responses: {
            200: { description: 'finished within the wait', ...json('SubmitCascadeResponse') },
            202: { description: 'accepted; poll statusUrl', ...json('SubmitCascadeResponse') },
            ...errors([400, 401, 409, 413, 415, 503]),
          },
        },
        get: {
          summary: 'List cascades from the visibility store, newest first',
          parameters: queryParameters(ListCascadesQuery),
          responses: {
            200: { description: 'matching cascades', ...json('ListCascadesResponse') },
            ...errors([400, 401, 403, 503]),
          },
        },
      },
      '/v1/cascades/{id}': {
        get: {
          summary: 'Status, steps so far, cost; the result once done',
          parameters: [idParameter],
          responses: {
            200: { description: 'the cascade', ...json('CascadeDescriptionResponse') },
            ...errors([400, 401, 404, 503]),
          },
        },
      },
      '/v1/cascades/{id}/steps': {
        get: {
          summary: "The cascade's steps (live while running)",
          parameters: [idParameter],
          responses: {
            200: { description: 'the steps', ...json('CascadeStepsResponse') },
            ...errors([400, 401, 404, 503]),
          },
        },
      },
      '/v1/cascades/{id}/cancel': {
        post: {
          summary: 'Cancel a running cascade',
          parameters: [idParameter],
          responses: {
            200: { description: 'already ended: nothing to cancel', ...json('CancelCascadeResponse') },
            202: { description: 'cancellation requested', ...json('CancelCascadeResponse') },
            ...errors([400, 401, 404, 503]),
          },
        },
      },
      '/v1/chat/completions': {
        post: {
          summary:
            'OpenAI-compatible chat completion through a cascade (model "cascade", "cascade/<route>", or an exposed config model called alone)',
          description:
            'Generation parameters and tools reach every model call of the cascade or are refused with a 400 naming the field; tool calls are checked against their tool schemas. A cascade with no passing answer is a 422 carrying the `cascade` record (which checks failed at which tier) unless best effort is asked for.',
          parameters: [idempotencyKey, bestEffort],
          requestBody: { required: true, ...json('ChatCompletionRequest') },
          responses: {
            200: {
              description:
                'the final answer with its true `finish_reason`; the cascade record is in the `cascade` field. With `stream: true`, the headers at once, `: keep-alive` comments while the cascade runs, then server-sent `chat.completion.chunk` events (an `{"error": ...}` event if it fails), then `data: [DONE]`',
              content: {
                ...json('ChatCompletionResponse').content,
                'text/event-stream': { schema: ref('ChatCompletionChunk') },
              },
            },
            ...errors([400, 401, 409, 413, 415, 422, 502, 503, 504], 'OpenAIErrorResponse'),
          },
        },
      },
      '/v1/messages': {
        post: {
          summary:
            'Anthropic-compatible Messages request through a cascade (model "cascade", "cascade/<route>", or an exposed config model called alone)',
          description:
            'The same workflow and checks as /v1/chat/completions, in the Messages API shapes: tool_use and tool_result blocks, stop_reason, Anthropic-shaped errors, Messages stream events.',
          parameters: [idempotencyKey, bestEffort],
          requestBody: { required: true, ...json('MessagesRequest') },
          responses: {
            200: {
              description:
                'the final answer with its true `stop_reason`; the cascade record is in the `cascade` field. With `stream: true`, keep-alive comments then the Messages events (`message_start` ... `message_stop`, or an `error` event)',
              ...json('MessagesResponse'),
            },
            ...errors([400, 401, 409, 413, 415, 422, 502, 503, 504], 'AnthropicErrorResponse'),
          },
        },
      },
      '/v1/responses': {
        post: {
          summary:
            'OpenAI-compatible Responses request through a cascade (model "cascade", "cascade/<route>", or an exposed config model called alone)',
          description:
            'The same workflow and checks as /v1/chat/completions, in the Responses API shapes: `instructions`, message, `function_call` and `function_call_output` input items, `text.format` as the json_schema check, function tools, OpenAI-shaped errors. Responses are not stored: `store: true`, `previous_response_id` and `conversation` are refused; the cascade record is at GET /v1/cascades/{id}.',
          parameters: [idempotencyKey, bestEffort],
          requestBody: { required: true, ...json('ResponsesRequest') },
          responses: {
            200: {
              description:
                'the final answer as `message` and `function_call` output items, `status: incomplete` when the final answer was cut at its output limit; the cascade record is in the `cascade` field. With `stream: true`, the headers at once, `: keep-alive` comments while the cascade runs, then the Responses events (`response.created` ... `response.completed`, or an `error` event)',
              content: {
                ...json('ResponsesResponse').content,
                'text/event-stream': { schema: ref('ResponsesStreamEvent') },
              },
            },
            ...errors([400, 401, 409, 413, 415, 422, 502, 503, 504], 'OpenAIErrorResponse'),
          },
        },
      },
      '/v1/models': {
        get: {
          summary:
            'The models a request may name: "cascade", "cascade/<route>" for each route, and each config model `api.exposeModels` exposes',
          description:
            "In Anthropic's list shape when the request carries an `anthropic-version` header, else OpenAI's.",
          responses: {
            200: {
              description: 'the models',
              content: {
                'application/json': { schema: { oneOf: [ref('OpenAIModelList'), ref('AnthropicModelList')] } },
              },
            },
            ...errors([401], 'OpenAIErrorResponse'),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'The process is up',
          security: [],
          responses: {
            200: { description: 'up', ...json('HealthResponse') },
            421: { description: ERROR_DESCRIPTIONS[421], ...json('ApiErrorResponse') },
          },
        },
      },
      '/readyz': {
        get: {
          summary: 'Temporal is reachable and a worker polls the task queue',
          security: [],
          responses: {
            200: { description: 'ready', ...json('ReadinessResponse') },
            421: { description: ERROR_DESCRIPTIONS[421], ...json('ApiErrorResponse') },
            503: { description: 'not ready, with the reason', ...json('ReadinessResponse') },
          },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' }, ...errors([401]) } },
      },
    },
  };
}
