/**
 * The kinds of provider failure, each with its retry behaviour. Activities map every provider
 * error to one of these and raise it as an `ApplicationFailure` whose `type` is the kind, so the
 * workflow and the retry policy decide on the kind, never on a message.
 */
export const ProviderErrorType = {
  rateLimited: 'rate_limited',
  overloaded: 'overloaded',
  serverError: 'server_error',
  timeout: 'timeout',
  connection: 'connection',
  auth: 'auth',
  permissionDenied: 'permission_denied',
  notFound: 'not_found',
  badRequest: 'bad_request',
  contextTooLong: 'context_too_long',
  contentFiltered: 'content_filtered',
  invalidResponse: 'invalid_response',
  configuration: 'configuration',
} as const;
export type ProviderErrorType = (typeof ProviderErrorType)[keyof typeof ProviderErrorType];

/** Transient: Temporal retries them (honouring `retry-after`), then the tier's fallback is tried. */
export const RETRYABLE_PROVIDER_ERRORS: readonly ProviderErrorType[] = [
  ProviderErrorType.rateLimited,
  ProviderErrorType.overloaded,
  ProviderErrorType.serverError,
  ProviderErrorType.timeout,
  ProviderErrorType.connection,
  ProviderErrorType.invalidResponse,
];

/** Never retried: another attempt with the same input fails the same way. */
export const NON_RETRYABLE_PROVIDER_ERRORS: readonly ProviderErrorType[] = [
  ProviderErrorType.auth,
  ProviderErrorType.permissionDenied,
  ProviderErrorType.notFound,
  ProviderErrorType.badRequest,
  ProviderErrorType.contextTooLong,
  ProviderErrorType.contentFiltered,
  ProviderErrorType.configuration,
];

/**
 * Non-retryable kinds that say this model cannot answer this request, while a bigger one might:
 * the cascade escalates on them instead of failing the request.
 */
export const ESCALATING_PROVIDER_ERRORS: readonly ProviderErrorType[] = [
  ProviderErrorType.contextTooLong,
  ProviderErrorType.contentFiltered,
];

export function isRetryableProviderError(type: string | undefined): boolean {
  return RETRYABLE_PROVIDER_ERRORS.includes(type as ProviderErrorType);
}
