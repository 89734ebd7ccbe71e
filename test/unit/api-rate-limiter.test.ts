import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ApiCaller } from '../../api/api-caller';
import { ApiError } from '../../api/api-error';
import { RateLimiter } from '../../api/rate-limiter';
import { TokenBucket } from '../../api/token-bucket';

describe('TokenBucket', () => {
  it('grants a burst at once, then one request per refill interval', () => {
    const bucket = new TokenBucket(2, 3, 0);
    assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [0, 0, 0]);
    // Empty: the next token comes in 1/2 s.
    assert.equal(bucket.take(0), 500);
    assert.equal(bucket.take(250), 250);
    assert.equal(bucket.take(500), 0);
    assert.equal(bucket.take(500), 500);
  });

  it('never holds more than the burst, however long the pause', () => {
    const bucket = new TokenBucket(10, 2, 0);
    bucket.take(0);
    bucket.take(0);
    assert.deepEqual([bucket.take(3_600_000), bucket.take(3_600_000), bucket.take(3_600_000) > 0], [0, 0, true]);
  });

  it('refills nothing when the clock steps back', () => {
    const bucket = new TokenBucket(1, 1, 10_000);
    assert.equal(bucket.take(10_000), 0);
    assert.equal(bucket.take(5_000), 1000);
    assert.equal(bucket.take(11_000), 0);
  });
});

describe('RateLimiter', () => {
  const caller = (label: string, rateLimit?: ApiCaller['rateLimit']): ApiCaller => ({
    tenant: 'acme',
    admin: false,
    label,
    ...(rateLimit ? { rateLimit } : {}),
  });

  it('answers 429 with retry-after in whole seconds once a key is over its limit', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const slow = caller('api.keys[0]', { perMinute: 6, burst: 2 });
    limiter.admit(slow);
    limiter.admit(slow);
    assert.throws(
      () => limiter.admit(slow),
      (error: unknown) =>
        error instanceof ApiError &&
        error.status === 429 &&
        error.headers['retry-after'] === '10' &&
        /6 per minute, burst 2/.test(error.message),
    );
    now = 10_000;
    limiter.admit(slow);
  });

  it('keeps one bucket per key, and leaves keys without a limit alone', () => {
    const limiter = new RateLimiter(() => 0);
    const a = caller('api.keys[0]', { perSecond: 1 });
    const b = caller('api.keys[1]', { perSecond: 1 });
    limiter.admit(a);
    assert.throws(() => limiter.admit(a), ApiError);
    limiter.admit(b);
    for (let i = 0; i < 100; i++) limiter.admit(caller('api.keys[2]'));
  });
});
