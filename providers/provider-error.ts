import { ProviderErrorType } from '../core/provider-errors';

/**
 * A provider call that failed, classified. Adapters throw only this, so the activity maps one type
 * to Temporal failures and nothing above it looks at SDK errors or HTTP statuses.
 */
export class ProviderError extends Error {
  constructor(
    readonly type: ProviderErrorType,
    message: string,
    readonly options: { status?: number; retryAfterMs?: number; provider: string; modelId: string },
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/**
 * Anything an SDK lets through that is not one of its API errors: the transport failing under it,
 * e.g. undici's "terminated" when the connection drops mid-body. Transient, like a connection error.
 */
export function transportFailure(error: unknown, context: { provider: string; modelId: string }): ProviderError {
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    ProviderErrorType.connection,
    `connection to ${context.provider} failed: ${message}`,
    context,
  );
}

/** HTTP status -> error kind, shared by every adapter (see the README's error table). */
export function errorTypeForStatus(status: number, providerMessage: string): ProviderErrorType {
  if (status === 400 || status === 422) {
    if (CONTEXT_TOO_LONG.test(providerMessage)) return ProviderErrorType.contextTooLong;
    if (CONTENT_FILTERED.test(providerMessage)) return ProviderErrorType.contentFiltered;
    return ProviderErrorType.badRequest;
  }
  if (status === 401) return ProviderErrorType.auth;
  if (status === 403) return ProviderErrorType.permissionDenied;
  if (status === 404) return ProviderErrorType.notFound;
  if (status === 408) return ProviderErrorType.timeout;
  if (status === 413) return ProviderErrorType.contextTooLong;
  if (status === 429) return ProviderErrorType.rateLimited;
  if (status === 503 || status === 529) return ProviderErrorType.overloaded;
  if (status >= 500) return ProviderErrorType.serverError;
  // 409 and other 4xx: a conflict or proxy hiccup rather than a bad request, so worth another try.
  return ProviderErrorType.serverError;
}

const CONTEXT_TOO_LONG =
  /context[ _]length|context window|too many tokens|(?:prompt|input|request) is too long|maximum context|inputs? tokens/i;
const CONTENT_FILTERED = /content[ _](filter|policy|management)|safety system/i;

/**
 * Reads how long the provider asks us to wait: `retry-after-ms` (OpenAI), `retry-after` in seconds
 * or as an HTTP date. Returns undefined when absent or unreadable, or beyond an hour (a broken header).
 */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (
    headers.get('retry-after-ms') &&
    Number.isFinite(milliseconds) &&
    milliseconds >= 0 &&
    bounded(milliseconds) !== undefined
  ) {
    return bounded(milliseconds);
  }
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? bounded(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : bounded(Math.max(0, date - now));
}

function bounded(ms: number): number | undefined {
  return ms <= 3_600_000 ? Math.ceil(ms) : undefined;
}
