import { FleetError, type RateLimit } from "../../contracts/index.js";
import type { Principal } from "../auth/principal.js";
import { type LimitDecision, RateLimitPolicy } from "../auth/rate-limit-policy.js";

export interface RateLimiterOptions {
  policy?: RateLimitPolicy;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per caller: a flood from one caller gets 429 RATE_LIMITED with Retry-After while
 * everyone else carries on. Authenticated callers are keyed on their credential (never on a
 * header they choose), others on their source address. In memory, per coordinator replica;
 * bounded by evicting buckets that have been idle for a minute.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  readonly policy: RateLimitPolicy;

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.policy = options.policy ?? new RateLimitPolicy();
  }

  /** Takes one token for an authenticated caller or throws RATE_LIMITED. */
  admit(principal: Principal): void {
    this.take(this.policy.forPrincipal(principal), "this credential");
  }

  /** Takes one token for a request without valid credentials from `address` or throws RATE_LIMITED. */
  admitUnauthenticated(address: string): void {
    this.take(this.policy.forAddress(address), "this address without valid credentials");
  }

  private take({ key, limit }: LimitDecision, who: string): void {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) throw limited(limit, bucket, who);
    bucket.tokens -= 1;
    if (this.buckets.size > 10_000) {
      for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
    }
  }
}

function limited(limit: RateLimit, bucket: Bucket, who: string): FleetError {
  return new FleetError("RATE_LIMITED", `more than ${limit.perSecond} requests per second (burst ${limit.burst}) from ${who}`, {
    retryAfterMs: Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000),
    limit,
  });
}
