import { describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import type { StoreCountQuery } from "../../store/port.js";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { JobTotalsBook } from "./job-totals.js";

const job = (id: string, fields: Partial<JobDoc>) => jobDoc(id, { productId: "acme", ...fields });

describe("job totals", () => {
  it("counts terminal jobs once, then follows commits into and out of terminal stages", async () => {
    const store = new MemoryStore();
    await store.create("jobs", job("a", { stage: "shipped" }));
    await store.create("jobs", job("b", { stage: "dead_letter", productId: "globex" }));
    const totals = new JobTotalsBook(store);
    await totals.start();
    const queued = job("c", { stage: "queued" });
    totals.observe(undefined, queued);
    expect(await totals.totals(undefined)).toEqual({ active: { queued: 1 }, terminal: { shipped: 1, failed: 0, cancelled: 0, dead_letter: 1 } });
    expect(await totals.totals("acme")).toEqual({ active: { queued: 1 }, terminal: { shipped: 1, failed: 0, cancelled: 0, dead_letter: 0 } });
    const before = store.stats().ops.query;
    totals.observe(queued, { ...queued, stage: "cancelled" });
    totals.observe(job("b", { stage: "dead_letter", productId: "globex" }), job("b", { stage: "queued", productId: "globex" }));
    expect(await totals.totals(undefined)).toEqual({ active: { queued: 1 }, terminal: { shipped: 1, failed: 0, cancelled: 1, dead_letter: 0 } });
    expect(await totals.totals("acme")).toMatchObject({ active: {}, terminal: { cancelled: 1 } });
    expect(store.stats().ops.query).toBe(before);
  });

  it("counts again when a commit lands while it counts, so no change is lost or counted twice", async () => {
    const store = new MemoryStore();
    await store.create("jobs", job("a", { stage: "shipped" }));
    const totals = new JobTotalsBook(store);
    let counts = 0;
    let raced = false;
    const count = store.count.bind(store);
    store.count = async (collection, query: StoreCountQuery) => {
      counts++;
      const result = await count(collection, query);
      // A job ships after the store counted, before the count came back: the first figure misses
      // it, and the commit's change must not be applied to that figure either. Only a recount is exact.
      if (!raced) {
        raced = true;
        await store.create("jobs", job("b", { stage: "shipped" }));
        totals.observe(job("b", { stage: "testing" }), job("b", { stage: "shipped" }));
      }
      return result;
    };
    expect((await totals.totals("acme")).terminal.shipped).toBe(2);
    expect(counts).toBe(8);
  });
});
