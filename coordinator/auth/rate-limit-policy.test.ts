import { describe, expect, it } from "vitest";
import type { RateLimitDefaults } from "../../contracts/index.js";
import { DEFAULT_RATE_LIMITS, RateLimitPolicy } from "./rate-limit-policy.js";
import type { FactoryPrincipal, OperatorPrincipal } from "./principal.js";

const operator = (fields: Partial<OperatorPrincipal> = {}): OperatorPrincipal => ({ kind: "operator", credentialId: "op", productId: "acme", role: "operator", source: "file", ...fields });
const factory = (fields: Partial<FactoryPrincipal> = {}): FactoryPrincipal => ({ kind: "factory", credentialId: "pool-general", productId: "acme", pool: "general", factoryId: "f-1", ...fields });

describe("rate limit policy", () => {
  const policy = (current?: RateLimitDefaults) =>
    new RateLimitPolicy({ startup: { operator: { perSecond: 300, burst: 600 } }, current: () => current, poolSize: (pool) => (pool === "general" ? 8 : 1) });

  it("keys every authenticated caller on its credential, never on the factory id it names", () => {
    expect(policy().forPrincipal(factory({ factoryId: "a" })).key).toBe(policy().forPrincipal(factory({ factoryId: "b" })).key);
    expect(policy().forPrincipal(operator()).key).toBe("credential:op");
    expect(policy().forAddress("203.0.113.7")).toEqual({ key: "address:203.0.113.7", limit: DEFAULT_RATE_LIMITS.unauthenticated });
  });

  it("gives a pool token its pool's worth of instances and an enrolled token one instance's", () => {
    expect(policy().forPrincipal(factory()).limit).toEqual({ perSecond: 20 * 8, burst: 40 * 8 });
    expect(policy().forPrincipal(factory({ bound: true })).limit).toEqual(DEFAULT_RATE_LIMITS.factory);
    expect(policy().forPrincipal({ kind: "enrollment", credentialId: "e", productId: "acme", pool: "general" }).limit).toEqual({ perSecond: 16, burst: 32 });
  });

  it("prefers a credential's own limit, then the file's role default, then the start-up one, then the built-in one", () => {
    expect(policy().forPrincipal(operator({ rateLimit: { perSecond: 1, burst: 1 } })).limit).toEqual({ perSecond: 1, burst: 1 });
    expect(policy({ operator: { perSecond: 7, burst: 7 } }).forPrincipal(operator()).limit).toEqual({ perSecond: 7, burst: 7 });
    expect(policy().forPrincipal(operator()).limit).toEqual({ perSecond: 300, burst: 600 });
    expect(policy().forPrincipal(operator({ role: "load-tester" })).limit).toEqual(DEFAULT_RATE_LIMITS["load-tester"]);
    expect(DEFAULT_RATE_LIMITS["load-tester"].perSecond).toBeGreaterThanOrEqual(25 * DEFAULT_RATE_LIMITS.operator.perSecond);
  });
});
