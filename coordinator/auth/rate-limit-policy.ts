import type { RateLimit, RateLimitDefaults, RateLimitRole } from "../../contracts/index.js";
import type { Principal } from "./principal.js";

/**
 * Built-in request limits (token buckets). Operators get what an interactive user or a script
 * needs; a load tester what a bulk submitter needs; a factory what one agent needs (heartbeats,
 * lease calls), multiplied by the pool's maxReplicas for a pool token or an enrollment token,
 * whose one limit spans every instance using it; callers without valid credentials are limited per
 * source address, so guessing tokens or flooding the API costs the guesser, not everyone.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitRole, RateLimit>> = {
  operator: { perSecond: 200, burst: 400 },
  "load-tester": { perSecond: 5000, burst: 10_000 },
  factory: { perSecond: 20, burst: 40 },
  enrollment: { perSecond: 2, burst: 4 },
  unauthenticated: { perSecond: 10, burst: 20 },
};

export interface RateLimitPolicyOptions {
  /** Overrides of the built-in defaults that the process was started with (RATE_LIMIT_* variables). */
  startup?: RateLimitDefaults;
  /** Overrides that may change at run time (CREDENTIALS_FILE's `rateLimits`, re-read on SIGHUP). */
  current?: () => RateLimitDefaults | undefined;
  /** A pool's maxReplicas: pool-wide credentials get that many instances' worth. */
  poolSize?: (pool: string) => number;
}

/** Who is limited together, and by how much. */
export interface LimitDecision {
  key: string;
  limit: RateLimit;
}

/** Which bucket a caller draws from and its size: per credential, its own limit first, then its
 * role's default (file over start-up over built-in). */
export class RateLimitPolicy {
  constructor(private readonly options: RateLimitPolicyOptions = {}) {}

  forPrincipal(principal: Principal): LimitDecision {
    const key = `credential:${principal.credentialId}`;
    switch (principal.kind) {
      case "operator":
        return { key, limit: principal.rateLimit ?? this.roleDefault(principal.role) };
      case "factory": {
        if (principal.rateLimit !== undefined) return { key, limit: principal.rateLimit };
        return { key, limit: principal.bound === true ? this.roleDefault("factory") : this.poolWide("factory", principal.pool) };
      }
      case "enrollment":
        return { key, limit: this.poolWide("enrollment", principal.pool) };
    }
  }

  forAddress(address: string): LimitDecision {
    return { key: `address:${address}`, limit: this.roleDefault("unauthenticated") };
  }

  roleDefault(role: RateLimitRole): RateLimit {
    return this.options.current?.()?.[role] ?? this.options.startup?.[role] ?? DEFAULT_RATE_LIMITS[role];
  }

  private poolWide(role: "factory" | "enrollment", pool: string): RateLimit {
    const one = this.roleDefault(role);
    const instances = Math.max(1, this.options.poolSize?.(pool) ?? 1);
    return { perSecond: one.perSecond * instances, burst: one.burst * instances };
  }
}
