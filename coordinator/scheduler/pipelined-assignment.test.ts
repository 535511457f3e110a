import { describe, expect, it } from "vitest";
import { JobSpec } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { type Collection, type DocOf, StoreError, type Stored } from "../../store/port.js";
import { testTopology } from "../../test/support/topology-fixture.js";
import { Coordinator } from "../service/coordinator.js";

const T0 = Date.UTC(2026, 0, 1);

/** A memory store that can hold every job write until released, fail the writes of chosen jobs,
 * and records the order writes land in and how many job writes were pending at once. */
class GatedStore extends MemoryStore {
  readonly landed: string[] = [];
  readonly failing = new Set<string>();
  holding = false;
  pending = 0;
  maxPending = 0;
  private held: (() => void)[] = [];

  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  override async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    if (collection !== "jobs") {
      const stored = await super.replace(collection, doc, ifMatch);
      this.landed.push(`${collection}:${(doc as { id: string }).id}`);
      return stored;
    }
    this.pending++;
    this.maxPending = Math.max(this.maxPending, this.pending);
    try {
      if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
      const id = (doc as { id: string }).id;
      if (this.failing.has(id)) throw new StoreError("unavailable", `jobs/${id}: refused on purpose`);
      const stored = await super.replace(collection, doc, ifMatch);
      this.landed.push(`jobs:${(doc as { stage?: string }).stage}`);
      return stored;
    } finally {
      this.pending--;
    }
  }

  override async create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    const stored = await super.create(collection, doc);
    if (collection !== "jobs") this.landed.push(`${collection}:${(doc as { id: string }).id}`);
    return stored;
  }
}

async function setUp(jobs: number, options: { generalMax?: number; gpuMax?: number } = {}) {
  const store = new GatedStore();
  await store.init();
  const coordinator = new Coordinator({ store, clock: { now: () => T0 }, topology: testTopology(options), assignmentWritesInFlight: 64 });
  await coordinator.start();
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) {
    const result = await coordinator.submit("acme", { ...JobSpec.parse({ idempotencyKey: `k${i}`, bodyMd: "x", capabilities: ["lang:ts"] }), kind: "leaf" });
    ids.push(result.job.id);
  }
  return { store, coordinator, ids };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("assignment writes of one pass in flight together", () => {
  it("writes a pass's assignments concurrently and never gives a pool more than its window", async () => {
    // general 6 seats, gpu 3: nine jobs fit, forty are ready.
    const { store, coordinator } = await setUp(40, { generalMax: 6, gpuMax: 3 });
    store.holding = true;
    const pass = coordinator.tick();
    await turn();
    expect(store.pending).toBe(9);
    const general = coordinator.poolView("general")!;
    expect(general.inFlight + general.reserved).toBe(6);
    store.release();
    expect((await pass).assigned).toBe(9);
    expect(store.maxPending).toBe(9);
    for (const name of ["general", "gpu"]) {
      const view = coordinator.poolView(name)!;
      expect(view.reserved).toBe(0);
      expect(view.inFlight).toBe(view.capacity);
    }
    expect((await coordinator.tick()).assigned).toBe(0);
    expect(coordinator.queueState().byStage).toMatchObject({ assigned: 9, queued: 31 });
  });

  it("gives back the seat of a write that failed and returns its job to the index, after every other write landed", async () => {
    const { store, coordinator, ids } = await setUp(4, { generalMax: 2, gpuMax: 2 });
    store.failing.add(ids[1]!);
    store.holding = true;
    const pass = coordinator.tick();
    await turn();
    expect(store.pending).toBe(4);
    store.release();
    await expect(pass).rejects.toThrow(/refused on purpose/);
    expect(store.landed.filter((entry) => entry === "jobs:assigned")).toHaveLength(3);
    const reserved = coordinator.poolViews().reduce((sum, pool) => sum + pool.reserved, 0);
    expect(reserved).toBe(0);
    expect(coordinator.queueState()).toMatchObject({ ready: 1, byStage: { assigned: 3, queued: 1 } });

    store.failing.clear();
    expect((await coordinator.tick()).assigned).toBe(1);
    expect(coordinator.queueState().byStage).toMatchObject({ assigned: 4 });
  });

  it("records a pool's pause only after every assignment in flight landed, and assigns nothing to it after", async () => {
    const { store, coordinator } = await setUp(10, { generalMax: 4, gpuMax: 2 });
    store.holding = true;
    const pass = coordinator.tick();
    await turn();
    expect(store.pending).toBe(6);
    const pauses = [coordinator.pausePool("general", "quota", "op", false), coordinator.pausePool("gpu", "quota", "op", false)];
    await turn();
    expect(store.landed).toEqual([]);
    store.release();
    await Promise.all([pass, ...pauses]);
    expect(store.landed.slice(0, 6)).toEqual(Array.from({ length: 6 }, () => "jobs:assigned"));
    expect(store.landed.slice(6).sort()).toEqual(["pools:pool.general", "pools:pool.gpu"]);
    await coordinator.resumePool("general", "op");
    await coordinator.pausePool("general", "again", "op", false);
    expect((await coordinator.tick()).assigned).toBe(0);
  });

  it("records a product's pause only after every assignment in flight landed; writes selected before it see the pause at the write", async () => {
    const { store, coordinator } = await setUp(10, { generalMax: 4, gpuMax: 2 });
    store.holding = true;
    const pass = coordinator.tick();
    await turn();
    const pause = coordinator.pauseProduct("acme", { mode: "finish", reason: "audit" }, "op");
    await turn();
    store.release();
    await Promise.all([pass, pause]);
    const budgetAt = store.landed.indexOf("budgets:budget.acme");
    expect(budgetAt).toBeGreaterThan(-1);
    expect(store.landed.slice(budgetAt + 1).filter((entry) => entry === "jobs:assigned")).toEqual([]);
    expect((await coordinator.tick()).assigned).toBe(0);
  });

  it("names a bad window", () => {
    expect(
      () => new Coordinator({ store: new MemoryStore(), clock: { now: () => T0 }, topology: testTopology(), assignmentWritesInFlight: 0 }),
    ).toThrow(/maxWritesInFlight must be a positive integer/);
  });
});
