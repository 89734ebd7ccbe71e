import { ratePerSecond, type RateLimitConfig } from '../core/api-access-config';
import { type ApiCaller } from './api-caller';
import { ApiError } from './api-error';
import { TokenBucket } from './token-bucket';

/**
 * Per-key rate limits: one token bucket per key label, made on first use (labels are the
 * configured keys, so the map is bounded). Over the limit is a 429 with `retry-after` in seconds.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Throws the 429 when `caller` is over its limit; does nothing for a caller without one. */
  admit(caller: ApiCaller): void {
    const limit = caller.rateLimit;
    if (!limit) return;
    let bucket = this.buckets.get(caller.label);
    const rate = ratePerSecond(limit);
    if (!bucket) {
      bucket = new TokenBucket(rate, limit.burst ?? Math.max(1, Math.ceil(rate)), this.now());
      this.buckets.set(caller.label, bucket);
    }
    const waitMs = bucket.take(this.now());
    if (waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new ApiError({
      status: 429,
      code: 'rate_limit_exceeded',
      message: `too many requests for this API key (${describeLimit(limit)}); retry after ${seconds} s`,
      headers: { 'retry-after': String(seconds) },
    });
  }
}

function describeLimit(limit: RateLimitConfig): string {
  const rate = limit.perSecond !== undefined ? `${limit.perSecond} per second` : `${limit.perMinute} per minute`;
  return limit.burst !== undefined ? `${rate}, burst ${limit.burst}` : rate;
}
