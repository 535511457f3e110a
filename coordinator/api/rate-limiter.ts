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

  /**
   * Charges a request that carries `units` pieces of work (a batch of jobs) one token per unit, the
   * first of which authentication took. A batch larger than the burst is admitted from a full bucket
   * and leaves it in debt, so over time the credential's jobs per second stay within its limit.
   */
  admitUnits(principal: Principal, units: number): void {
    if (units <= 1) return;
    this.take(this.policy.forPrincipal(principal), `this credential (a batch of ${units} jobs costs ${units} requests)`, units, 1);
  }

  /** Takes one token for a request without valid credentials from `address` or throws RATE_LIMITED. */
  admitUnauthenticated(address: string): void {
    this.take(this.policy.forAddress(address), "this address without valid credentials");
  }

  /** Takes `cost` tokens, `held` of which were taken already for this request; needs the bucket to
   * hold them (at most a full bucket's worth). */
  private take({ key, limit }: LimitDecision, who: string, cost = 1, held = 0): void {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const need = Math.min(cost, limit.burst) - held;
    if (bucket.tokens < need) throw limited(limit, need - bucket.tokens, who);
    bucket.tokens -= cost - held;
    if (this.buckets.size > 10_000) {
      for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
    }
  }
}

function limited(limit: RateLimit, missing: number, who: string): FleetError {
  return new FleetError("RATE_LIMITED", `more than ${limit.perSecond} requests per second (burst ${limit.burst}) from ${who}`, {
    retryAfterMs: Math.ceil((missing / limit.perSecond) * 1000),
    limit,
  });
}
