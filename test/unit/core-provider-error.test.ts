import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorTypeForStatus, parseRetryAfter, ProviderError } from '../../providers/provider-error';
import {
  ESCALATING_PROVIDER_ERRORS,
  isRetryableProviderError,
  NON_RETRYABLE_PROVIDER_ERRORS,
  ProviderErrorType,
  RETRYABLE_PROVIDER_ERRORS,
} from '../../core/provider-errors';

describe('errorTypeForStatus', () => {
  const byStatus: [number, string, ProviderErrorType][] = [
    [400, 'Invalid value for temperature', ProviderErrorType.badRequest],
    [401, 'invalid x-api-key', ProviderErrorType.auth],
    [403, 'Your API key does not have permission to use the specified resource', ProviderErrorType.permissionDenied],
    [404, 'model: claude-nonexistent', ProviderErrorType.notFound],
    [408, 'Request timed out', ProviderErrorType.timeout],
    [409, 'Conflict', ProviderErrorType.serverError],
    [413, 'Request exceeds the maximum allowed number of bytes', ProviderErrorType.contextTooLong],
    [422, 'Unprocessable entity', ProviderErrorType.badRequest],
    [429, 'Rate limit reached for requests', ProviderErrorType.rateLimited],
    [500, 'Internal server error', ProviderErrorType.serverError],
    [502, 'Bad gateway', ProviderErrorType.serverError],
    [503, 'Service unavailable', ProviderErrorType.overloaded],
    [504, 'Gateway timeout', ProviderErrorType.serverError],
    [529, 'Overloaded', ProviderErrorType.overloaded],
    [418, "I'm a teapot", ProviderErrorType.serverError],
  ];
  for (const [status, message, type] of byStatus) {
    it(`maps ${status} to ${type}`, () => assert.equal(errorTypeForStatus(status, message), type));
  }

  const contextMessages = [
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.",
    'prompt is too long: 210000 tokens > 200000 maximum',
    'Please reduce the length of the messages: context_length_exceeded',
    'Input exceeds the context window of this model',
    'Too many tokens in the request',
  ];
  for (const message of contextMessages) {
    it(`maps a 400 saying ${JSON.stringify(message.slice(0, 40))}... to context_too_long`, () => {
      assert.equal(errorTypeForStatus(400, message), ProviderErrorType.contextTooLong);
    });
  }

  it('maps a 400 or 422 about the content policy to content_filtered', () => {
    assert.equal(
      errorTypeForStatus(
        400,
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
      ),
      ProviderErrorType.contentFiltered,
    );
    assert.equal(
      errorTypeForStatus(400, 'Your request was rejected as a result of our safety system.'),
      ProviderErrorType.contentFiltered,
    );
    assert.equal(errorTypeForStatus(422, 'blocked by content_filter'), ProviderErrorType.contentFiltered);
  });

  it('maps a 422 that is too long to context_too_long', () => {
    assert.equal(
      errorTypeForStatus(422, 'Input validation error: inputs tokens + max_new_tokens must be <= 4096; too long'),
      ProviderErrorType.contextTooLong,
    );
  });

  it('looks at the message only for 400 and 422', () => {
    assert.equal(errorTypeForStatus(429, 'maximum context length'), ProviderErrorType.rateLimited);
    assert.equal(errorTypeForStatus(500, 'content policy'), ProviderErrorType.serverError);
  });
});

describe('the retry taxonomy', () => {
  it('retries transient errors and nothing else', () => {
    for (const type of ['rate_limited', 'overloaded', 'server_error', 'timeout', 'connection', 'invalid_response']) {
      assert.equal(isRetryableProviderError(type), true, type);
    }
    for (const type of [
      'auth',
      'permission_denied',
      'not_found',
      'bad_request',
      'context_too_long',
      'content_filtered',
      'configuration',
      undefined,
      'other',
    ]) {
      assert.equal(isRetryableProviderError(type), false, String(type));
    }
  });

  it('puts every kind in exactly one of the retryable and non-retryable lists', () => {
    const all = Object.values(ProviderErrorType).sort();
    assert.deepEqual([...RETRYABLE_PROVIDER_ERRORS, ...NON_RETRYABLE_PROVIDER_ERRORS].sort(), all);
    for (const type of ESCALATING_PROVIDER_ERRORS) assert.ok(NON_RETRYABLE_PROVIDER_ERRORS.includes(type), type);
  });

  it('escalates on context_too_long and content_filtered only', () => {
    assert.deepEqual([...ESCALATING_PROVIDER_ERRORS], ['context_too_long', 'content_filtered']);
  });
});

describe('parseRetryAfter', () => {
  const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
  const headers = (values: Record<string, string>) => new Headers(values);

  it('reads seconds', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after': '2' }), NOW), 2000);
    assert.equal(parseRetryAfter(headers({ 'Retry-After': '0' }), NOW), 0);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '1.5' }), NOW), 1500);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '0.0004' }), NOW), 1);
  });

  it('reads an HTTP date relative to now, a past date meaning no wait', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Wed, 15 Jan 2025 12:00:30 GMT' }), NOW), 30_000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': new Date(NOW + 5000).toUTCString() }), NOW), 5000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Wed, 15 Jan 2025 11:59:00 GMT' }), NOW), 0);
  });

  it('prefers retry-after-ms, rounding up', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '2' }), NOW), 250);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '1.2' }), NOW), 2);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '0' }), NOW), 0);
  });

  it('falls back to retry-after when retry-after-ms is unreadable or negative', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': 'soon', 'retry-after': '3' }), NOW), 3000);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '-5', 'retry-after': '3' }), NOW), 3000);
  });

  it('ignores garbage and negative values', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'soon' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '-1' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Infinity' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': 'soon' }), NOW), undefined);
  });

  it('ignores values beyond an hour, as broken headers', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after': '3600' }), NOW), 3_600_000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '3601' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '99999999999' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '3600001' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Thu, 16 Jan 2025 12:00:00 GMT' }), NOW), undefined);
  });

  it('is undefined without headers or without a retry header', () => {
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
    assert.equal(parseRetryAfter(headers({}), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'content-type': 'application/json' }), NOW), undefined);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '' }), NOW), undefined);
  });
});

describe('ProviderError', () => {
  it('carries its kind and context', () => {
    const error = new ProviderError(ProviderErrorType.rateLimited, 'slow down', {
      status: 429,
      retryAfterMs: 2000,
      provider: 'openai',
      modelId: 'mini',
    });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ProviderError');
    assert.equal(error.type, 'rate_limited');
    assert.equal(error.message, 'slow down');
    assert.deepEqual(error.options, { status: 429, retryAfterMs: 2000, provider: 'openai', modelId: 'mini' });
  });
});
