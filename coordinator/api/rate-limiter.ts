import { FleetError } from "../../contracts/index.js";

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
}

/**
 * Token buckets per caller (credential + factory instance): a flood from one caller gets 429
 * RATE_LIMITED with Retry-After while everyone else carries on. In memory; bounded by evicting
 * buckets that have been full for a minute.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /** Takes one token for `key` or throws RATE_LIMITED. */
  take(key: string): void {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      throw new FleetError("RATE_LIMITED", `more than ${this.options.perSecond} requests per second from this caller`, {
        retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.options.perSecond) * 1000),
      });
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) {
      for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
    }
  }
}
