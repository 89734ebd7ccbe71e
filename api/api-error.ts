import { z } from 'zod';
import { CascadeFailedError, CascadeNotFoundError, IdempotencyConflictError } from '../client/errors';
import { RequestTooLargeError, RequestValidationError } from '../core/request';
import { isTemporalUnavailable } from '../lib/temporal-unavailable';

/** An HTTP error status, 400-599. */
export type ApiErrorStatus = number;

/** The error category of the cascade endpoints' error body, by status. */
const CASCADE_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  421: 'misdirected_request',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'upstream_error',
  503: 'unavailable',
  504: 'timeout',
};

function cascadeErrorType(status: number): string {
  return CASCADE_ERROR_TYPES[status] ?? (status < 500 ? 'invalid_request' : 'internal_error');
}

/**
 * The error body of every endpoint except `/v1/chat/completions`: a superset of OpenAI's error
 * shape, so one parser reads both. `message` names each field and its problem; `problems` lists
 * them one per line; `param` is the first offending field.
 */
export const ApiErrorResponse = z.object({
  error: z.object({
    type: z.string().describe('category, one per HTTP status: invalid_request, unauthorized, not_found, conflict, ...'),
    code: z.string().describe('the specific problem, e.g. invalid_json, idempotency_conflict, cascade_not_found'),
    message: z.string(),
    param: z.string().nullable(),
    problems: z.array(z.string()),
    requestId: z.string().describe('quote it when reporting a 5xx: the server log has the details under it'),
  }),
});
export type ApiErrorResponse = z.infer<typeof ApiErrorResponse>;

/** OpenAI's own error shape, exactly, for `/v1/chat/completions`. */
export const OpenAIErrorResponse = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type OpenAIErrorResponse = z.infer<typeof OpenAIErrorResponse>;

/** Which error body an endpoint speaks. */
export type ErrorDialect = 'cascade' | 'openai';

export interface ApiErrorInit {
  status: ApiErrorStatus;
  code: string;
  message: string;
  param?: string | null;
  problems?: string[];
  headers?: Record<string, string>;
}

/** An error meant for the client: its message is safe to show. Anything else becomes a generic 500. */
export class ApiError extends Error {
  readonly status: ApiErrorStatus;
  readonly code: string;
  readonly param: string | null;
  readonly problems: string[];
  readonly headers: Record<string, string>;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.param = init.param ?? null;
    this.problems = init.problems ?? [init.message];
    this.headers = init.headers ?? {};
  }
}

/** A 400 listing validation problems (`field: problem` lines); `param` is the first problem's field. */
export function invalidRequest(problems: string[], code = 'invalid_request'): ApiError {
  return new ApiError({ status: 400, code, message: problems.join('; '), param: paramOf(problems[0]), problems });
}

/**
 * The field a `field: problem` line names, e.g. `messages[0].role`, or the first unknown field of
 * an `unknown field "x"` line; null when the line names none.
 */
export function paramOf(problem: string | undefined): string | null {
  if (problem === undefined) return null;
  const field = /^([A-Za-z_$][\w$-]*(?:\[\d+\]|\.[\w$-]+)*): /.exec(problem);
  const unknown = /^(?:([^:]+): )?unknown fields? "([^"]+)"/.exec(problem);
  if (unknown) return unknown[1] ? `${unknown[1]}.${unknown[2]}` : unknown[2]!;
  return field ? field[1]! : null;
}

/** Fastify's own errors, by code, as errors a client can act on. */
function fromFastifyError(
  error: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError({
        status: 413,
        code: 'body_too_large',
        message: `the request body is larger than the limit of ${bodyLimit} bytes`,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError({
        status: 415,
        code: 'unsupported_media_type',
        message: 'the request body must be JSON: send it with Content-Type: application/json',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError({
        status: 400,
        code: 'invalid_content_length',
        message: 'the Content-Length header does not match the body',
      });
    case 'FST_ERR_BAD_URL':
      return new ApiError({
        status: 400,
        code: 'invalid_url',
        message: 'the URL is not valid: it holds a malformed percent-encoding',
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError({
        status: 414,
        code: 'uri_too_long',
        message: 'a path segment of the URL is too long (an id is at most 200 characters)',
      });
    default:
      // Fastify's other request errors describe the request, not the server, so they are safe to show.
      if (
        error.code?.startsWith('FST_') &&
        error.statusCode !== undefined &&
        error.statusCode >= 400 &&
        error.statusCode < 500
      ) {
        return new ApiError({ status: error.statusCode, code: error.code.toLowerCase(), message: error.message });
      }
      return undefined;
  }
}

/**
 * Maps anything thrown while serving a request to the error the client sees. Typed errors become
 * their 4xx/503; unknown errors become a 500 whose message reveals nothing of the cause.
 */
export function toApiError(error: unknown, bodyLimit: number): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof RequestTooLargeError) {
    return new ApiError({
      status: 413,
      code: 'request_too_large',
      message: error.problems.join('; '),
      param: paramOf(error.problems[0]),
      problems: error.problems,
    });
  }
  if (error instanceof RequestValidationError) return invalidRequest(error.problems);
  if (error instanceof CascadeNotFoundError) {
    return new ApiError({ status: 404, code: 'cascade_not_found', message: error.message, param: 'id' });
  }
  if (error instanceof IdempotencyConflictError) {
    // The OpenAI SDK retries 409s unless told not to; retrying cannot resolve a conflict.
    return new ApiError({
      status: 409,
      code: 'idempotency_conflict',
      message: error.message,
      param: 'id',
      headers: { 'x-should-retry': 'false' },
    });
  }
  if (error instanceof CascadeFailedError) {
    return new ApiError({
      status: 502,
      code: `cascade_${error.status.toLowerCase()}`,
      message: error.message,
      headers: { 'x-should-retry': 'false' },
    });
  }
  if (isTemporalUnavailable(error)) {
    return new ApiError({
      status: 503,
      code: 'temporal_unavailable',
      message: 'the workflow engine (Temporal) is not reachable right now; try again shortly',
    });
  }
  if (error && typeof error === 'object' && 'code' in error) {
    const known = fromFastifyError(error as { code?: string; statusCode?: number; message: string }, bodyLimit);
    if (known) return known;
  }
  return new ApiError({
    status: 500,
    code: 'internal_error',
    message: 'internal error: the server log has the details under this request id',
  });
}

/** The body for an error in an endpoint's dialect. */
export function errorBody(
  error: ApiError,
  dialect: ErrorDialect,
  requestId: string,
): ApiErrorResponse | OpenAIErrorResponse {
  if (dialect === 'openai') {
    // OpenAI itself answers every 4xx, 401 included, as an invalid_request_error with a specific code.
    const type = error.status >= 500 ? 'server_error' : 'invalid_request_error';
    const message = error.status === 500 ? `${error.message} (request id ${requestId})` : error.message;
    return { error: { message, type, param: error.param, code: error.code } };
  }
  return {
    error: {
      type: cascadeErrorType(error.status),
      code: error.code,
      message: error.message,
      param: error.param,
      problems: error.problems,
      requestId,
    },
  };
}
