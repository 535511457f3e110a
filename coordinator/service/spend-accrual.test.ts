import { describe, expect, it } from "vitest";
import { JobSpec } from "../../contracts/index.js";
import { FaultyStore, type StoreFault } from "../../store/faulty-store.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import type { FactoryPrincipal } from "../auth/principal.js";
import { testTopology } from "../../test/support/topology-fixture.js";
import { Coordinator } from "./coordinator.js";

const T0 = Date.UTC(2026, 0, 1);
const factory: FactoryPrincipal = { kind: "factory", credentialId: "pool-general", productId: "*", pool: "general", factoryId: "f-1" };

/** Accrual under unknown outcomes and restarts, through the coordinator's real write path. */
describe("spend accrual", () => {
  async function setUp() {
    const memory = new MemoryStore();
    let next: StoreFault = "none";
    const store = new FaultyStore(memory, () => {
      const fault = next;
      next = "none";
      return fault;
    });
    const clock = { now: () => T0 };
    const boot = async () => {
      const coordinator = new Coordinator({ store, clock, topology: testTopology() });
      await coordinator.start();
      return coordinator;
    };
    await store.init();
    return { store, boot, failNext: (fault: StoreFault) => (next = fault) };
  }

  it("counts a run once when its release times out after it landed and the factory retries", async () => {
    const { boot, failNext } = await setUp();
    const coordinator = await boot();
    await coordinator.putBudget("acme", { ceilingUsd: 100 }, "op");
    const { job } = await coordinator.submit("acme", { ...JobSpec.parse({ idempotencyKey: "a", bodyMd: "x", capabilities: ["lang:ts"] }), kind: "leaf" });
    await coordinator.tick();
    await coordinator.accept(factory, job.id, 1);
    failNext({ kind: "timeout", applied: true });
    const released = await coordinator.release(factory, job.id, { leaseEpoch: 1, outcome: "shipped", insights: { costUsd: 12.5 } });
    expect(released.stage).toBe("shipped");
    await expect(coordinator.release(factory, job.id, { leaseEpoch: 1, outcome: "shipped", insights: { costUsd: 12.5 } })).resolves.toBeDefined();
    expect(coordinator.budget("acme").spentUsd).toBe(12.5);
    // A restart rebuilds the same figure from the stored jobs.
    const restarted = await boot();
    expect(restarted.budget("acme").spentUsd).toBe(12.5);
    expect(restarted.burndown("acme").days.at(-1)).toMatchObject({ day: "2026-01-01", spentUsd: 12.5 });
  });

  it("rebuilds exactly the sum of many small costs in any order (integer micro-USD)", async () => {
    const { boot } = await setUp();
    const coordinator = await boot();
    await coordinator.putBudget("acme", { ceilingUsd: 1000 }, "op");
    const costs = [0.1, 0.2, 0.3, 0.7, 1.1, 2.2, 0.000001];
    for (const [i, cost] of costs.entries()) {
      const { job } = await coordinator.submit("acme", { ...JobSpec.parse({ idempotencyKey: `k${i}`, bodyMd: "x", capabilities: ["lang:ts"] }), kind: "leaf" });
      await coordinator.tick();
      await coordinator.accept(factory, job.id, 1);
      await coordinator.release(factory, job.id, { leaseEpoch: 1, outcome: i % 2 === 0 ? "shipped" : "non_retryable", insights: { costUsd: cost } });
    }
    const expected = costs.reduce((sum, cost) => sum + Math.round(cost * 1e6), 0) / 1e6;
    expect(coordinator.budget("acme").spentUsd).toBe(expected);
    expect((await boot()).budget("acme").spentUsd).toBe(expected);
  });
});
