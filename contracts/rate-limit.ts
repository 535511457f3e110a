import { z } from "zod";

/** A token bucket: `perSecond` sustained, up to `burst` at once. */
export const RateLimit = z
  .object({
    perSecond: z.number().int().min(1).max(1_000_000),
    burst: z.number().int().min(1).max(1_000_000),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimit>;

/** Who a default limit applies to. Operators and load testers are limited per key, factories per
 * credential (a pool token's limit spans all its instances), enrollment per enrollment token, and
 * callers without valid credentials per source address. */
export const RateLimitRole = z.enum(["operator", "load-tester", "factory", "enrollment", "unauthenticated"]);
export type RateLimitRole = z.infer<typeof RateLimitRole>;

export const RateLimitDefaults = z
  .object({
    operator: RateLimit.optional(),
    "load-tester": RateLimit.optional(),
    factory: RateLimit.optional(),
    enrollment: RateLimit.optional(),
    unauthenticated: RateLimit.optional(),
  })
  .strict();
export type RateLimitDefaults = z.infer<typeof RateLimitDefaults>;
