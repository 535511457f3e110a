import { describe, expect, it } from "vitest";
import { JobSpec } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import type { Collection, DocOf, Stored } from "../../store/port.js";
import { testTopology } from "../../test/support/topology-fixture.js";
import { Coordinator } from "./coordinator.js";

const T0 = Date.UTC(2026, 0, 1);

/** A memory store that records the order writes land in and can hold the next job write. */
class HeldStore extends MemoryStore {
  readonly landed: string[] = [];
  private hold: Promise<void> | undefined;
  private releaseHold: (() => void) | undefined;

  holdNextJobWrite(): void {
    this.hold = new Promise((resolve) => {
      this.releaseHold = resolve;
    });
  }

  release(): void {
    this.releaseHold?.();
  }

  override async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    if (collection === "jobs" && this.hold !== undefined) {
      const hold = this.hold;
      this.hold = undefined;
      await hold;
    }
    const stored = await super.replace(collection, doc, ifMatch);
    this.landed.push(`${collection}:${(doc as { stage?: string }).stage ?? (doc as { id: string }).id}`);
    return stored;
  }

  override async create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    const stored = await super.create(collection, doc);
    if (collection !== "jobs") this.landed.push(`${collection}:${(doc as { id: string }).id}`);
    return stored;
  }
}

describe("pausing while an assignment is being written", () => {
  const setUp = async () => {
    const store = new HeldStore();
    await store.init();
    const coordinator = new Coordinator({ store, clock: { now: () => T0 }, topology: testTopology() });
    await coordinator.start();
    for (let i = 0; i < 3; i++) {
      await coordinator.submit("acme", { ...JobSpec.parse({ idempotencyKey: `k${i}`, bodyMd: "x", capabilities: ["lang:ts", "gpu"] }), kind: "leaf" });
    }
    return { store, coordinator };
  };

  it("records a pool's pause only after the assignment in flight landed, and assigns nothing to it after", async () => {
    const { store, coordinator } = await setUp();
    store.holdNextJobWrite();
    const pass = coordinator.tick();
    await new Promise((resolve) => setImmediate(resolve));
    const pause = coordinator.pausePool("gpu", "quota", "op", false);
    await new Promise((resolve) => setImmediate(resolve));
    store.release();
    await Promise.all([pass, pause]);
    expect(store.landed).toEqual(["jobs:assigned", "pools:pool.gpu"]);
    expect((await coordinator.tick()).assigned).toBe(0);
  });

  it("records a product's pause only after the assignment in flight landed", async () => {
    const { store, coordinator } = await setUp();
    store.holdNextJobWrite();
    const pass = coordinator.tick();
    await new Promise((resolve) => setImmediate(resolve));
    const pause = coordinator.pauseProduct("acme", { mode: "finish", reason: "audit" }, "op");
    await new Promise((resolve) => setImmediate(resolve));
    store.release();
    await Promise.all([pass, pause]);
    expect(store.landed).toEqual(["jobs:assigned", "budgets:budget.acme"]);
    expect((await coordinator.tick()).assigned).toBe(0);
  });
});
