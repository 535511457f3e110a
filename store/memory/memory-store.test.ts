import { describe, expect, it } from "vitest";
import { MemoryStore } from "./memory-store.js";
import { isStoreError } from "../port.js";
import { runStoreContract } from "../contract/store-contract.js";
import { jobDoc } from "../contract/store-contract-docs.js";

runStoreContract("memory", async () => {
  let now = 1_700_000_000_000;
  const advanceClock = (ms: number) => {
    now += ms;
  };
  return { store: new MemoryStore({ now: () => now }), cleanup: async () => undefined, advanceClock };
});

describe("memory store specifics", () => {
  it("refuses a tampered continuation token and one from another query", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 5; i++) await store.create("jobs", jobDoc(`j-${i}`, { createdAt: i }));
    const first = await store.query("jobs", { limit: 2, orderBy: { field: "createdAt", direction: "asc" } });
    expect(first.continuation).toBeDefined();
    const reuse = store.query("jobs", { limit: 2, continuation: first.continuation ?? "" });
    await expect(reuse).rejects.toSatisfy((error: unknown) => isStoreError(error, "unavailable"));
    const tampered = store.query("jobs", { limit: 2, orderBy: { field: "createdAt", direction: "asc" }, continuation: "bm90IGEgdG9rZW4" });
    await expect(tampered).rejects.toSatisfy((error: unknown) => isStoreError(error, "unavailable"));
  });

  it("resumes after the last item it returned, so deletes and inserts between pages skip nothing else", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 6; i++) await store.create("jobs", jobDoc(`j-${i}`, { createdAt: i }));
    for (const orderBy of [undefined, { field: "createdAt", direction: "asc" } as const]) {
      const first = await store.query("jobs", { limit: 3, ...(orderBy === undefined ? {} : { orderBy }) });
      expect(first.items.map((item) => item.doc.id)).toEqual(["j-0", "j-1", "j-2"]);
      // The last returned item and one not yet returned disappear; a new one arrives at the end.
      await store.delete("jobs", "j-2", "j-2");
      await store.delete("jobs", "j-3", "j-3");
      await store.create("jobs", jobDoc("j-9", { createdAt: 9 }));
      const rest = await store.query("jobs", { limit: 10, continuation: first.continuation ?? "", ...(orderBy === undefined ? {} : { orderBy }) });
      expect(rest.items.map((item) => item.doc.id)).toEqual(["j-4", "j-5", "j-9"]);
      await store.create("jobs", jobDoc("j-2", { createdAt: 2 }));
      await store.create("jobs", jobDoc("j-3", { createdAt: 3 }));
      await store.delete("jobs", "j-9", "j-9");
    }
  });

  it("issues etags that never repeat across store instances", async () => {
    const a = await new MemoryStore().create("jobs", jobDoc("j"));
    const b = await new MemoryStore().create("jobs", jobDoc("j"));
    expect(a.etag).not.toBe(b.etag);
  });

  it("stores what a Cosmos DB round trip would: undefined properties vanish", async () => {
    const store = new MemoryStore();
    const created = await store.create("jobs", { ...jobDoc("j"), title: undefined });
    expect("title" in created.doc).toBe(false);
    expect("title" in ((await store.get("jobs", "j", "j"))?.doc ?? {})).toBe(false);
  });
});
