/**
 * A token bucket: `burst` requests at once, refilled at `ratePerSecond`. Written here rather than
 * taken from @fastify/rate-limit, which counts fixed windows (a caller gets twice its limit across
 * a window boundary), has no burst, and sets one window per route, not per key. Time is passed in,
 * so the arithmetic is tested without a clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  /** Takes a token if there is one: 0 when granted, else the milliseconds until the next one. */
  take(nowMs: number): number {
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.ratePerSecond);
    this.updatedMs = Math.max(this.updatedMs, nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }
}
