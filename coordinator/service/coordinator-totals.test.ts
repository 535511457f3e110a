import { describe, expect, it } from "vitest";
import { ListJobsQuery } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { StoreError } from "../../store/port.js";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { ManualClock } from "../../test/support/manual-clock.js";
import { testTopology } from "../../test/support/topology-fixture.js";
import { Coordinator } from "./coordinator.js";

describe("the coordinator's totals at start", () => {
  it("starts even when the store refuses the counts, and counts on the first request instead", async () => {
    const store = new MemoryStore();
    await store.create("jobs", jobDoc("done", { stage: "shipped", productId: "acme" }));
    const count = store.count.bind(store);
    let refusals = 4;
    store.count = async (collection, query) => {
      if (refusals-- > 0) throw new StoreError("throttled", "429 (test)");
      return count(collection, query);
    };
    const coordinator = new Coordinator({ store, clock: new ManualClock(), topology: testTopology() });
    await expect(coordinator.start()).resolves.toBe(0);
    const page = await coordinator.listJobs(undefined, ListJobsQuery.parse({}));
    expect(page.totals.terminal).toEqual({ shipped: 1, failed: 0, cancelled: 0, dead_letter: 0 });
  });
});
