import { describe, expect, it } from "vitest";
import { FACTORY_STALE_AFTER_MS } from "../../composition/coordinator-process.js";
import { loadAgentConfig } from "../../factory-agent/config.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { ManualClock } from "../../test/support/manual-clock.js";
import type { FactoryPrincipal } from "../auth/principal.js";
import { FactoryRegistry } from "./factory-registry.js";

const principal = (factoryId: string, pool = "general"): FactoryPrincipal => ({ kind: "factory", credentialId: "pool", productId: "acme", pool, factoryId });

describe("the factory registry", () => {
  it("waits more than two heartbeats before calling a factory stale (the earlier system's 300 s beat vs 90 s threshold cannot return)", () => {
    const agent = loadAgentConfig({ COORDINATOR_URL: "http://127.0.0.1:1", FACTORY_TOKEN: "pool-general.0123456789abcdefghij", POOL: "general", SERVICEBUS_NAMESPACE: "x.servicebus.windows.net" });
    expect(FACTORY_STALE_AFTER_MS).toBeGreaterThan(2 * agent.heartbeatMs);
  });

  it("rolls factory health into pool health: down when every live one is, degraded when some are", async () => {
    const clock = new ManualClock();
    const registry = new FactoryRegistry({ store: new MemoryStore(), clock, poolCapabilities: () => ["lang:ts"], staleAfterMs: 45_000 });
    await registry.heartbeat(principal("a"), { load: 0, seats: 1, health: "down" });
    await registry.heartbeat(principal("b"), { load: 0, seats: 1, health: "down" });
    await registry.heartbeat(principal("g", "gpu"), { load: 0, seats: 1, health: "ok" });
    expect(registry.healthByPool().get("general")).toMatchObject({ health: "down", live: 2, down: 2 });
    expect(registry.healthByPool().get("gpu")).toMatchObject({ health: "ok", live: 1 });
    await registry.heartbeat(principal("b"), { load: 0, seats: 1, health: "ok" });
    expect(registry.healthByPool().get("general")).toMatchObject({ health: "degraded", ok: 1, down: 1 });
    clock.advance(46_000);
    // Silent factories without leases are stale, not a health problem; after their TTL they are gone.
    expect(registry.healthByPool().get("general")).toMatchObject({ health: "ok", live: 0, stale: 2 });
    expect(registry.liveByPool().get("general")).toBe(0);
    clock.advance(600_000);
    expect(registry.healthByPool().get("general")).toBeUndefined();
  });
});
