import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../../peers/cosmos/embedded-cosmos.js";
import { assignedJob, jobDoc } from "../contract/store-contract-docs.js";
import { CosmosStore, type CosmosStoreOptions } from "./cosmos-store.js";

// How CosmosStore's writes travel (the outcomes themselves are the store contract's). The peer
// answers bulk calls through the package's own bulk handler.
const peers: EmbeddedCosmos[] = [];
const stores: CosmosStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const peer of peers.splice(0)) await peer.close();
});

async function storeOn(options: Partial<CosmosStoreOptions> = {}): Promise<CosmosStore> {
  const peer = await startEmbeddedCosmos();
  peers.push(peer);
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: "bulk", local: true, ...options });
  stores.push(store);
  await store.init();
  return store;
}

describe("CosmosStore write grouping", () => {
  it("sends a lone write as a point call, one after another as point calls too", async () => {
    const store = await storeOn();
    let etag = (await store.create("jobs", jobDoc("alone"))).etag;
    for (let i = 0; i < 5; i++) etag = (await store.replace("jobs", jobDoc("alone", { retries: i }), etag)).etag;
    await store.delete("jobs", "alone", "alone");
    expect(store.writeStats()).toEqual({ pointWrites: 7, bulkCalls: 0, bulkOperations: 0 });
  });

  it("groups a burst of conditional writes into bulk calls of at most 100 operations", async () => {
    const store = await storeOn();
    const n = 450;
    const created = await Promise.all(Array.from({ length: n }, (_, i) => store.create("jobs", jobDoc(`b-${i}`))));
    const afterCreates = store.writeStats();
    expect(afterCreates.pointWrites + afterCreates.bulkOperations).toBe(n);
    expect(afterCreates.bulkOperations).toBeGreaterThanOrEqual(n - 4);
    expect(afterCreates.bulkCalls).toBeGreaterThanOrEqual(Math.ceil(afterCreates.bulkOperations / 100));
    expect(afterCreates.bulkCalls).toBeLessThan(n / 10);

    const replaced = await Promise.all(created.map((stored, i) => store.replace("jobs", assignedJob(`b-${i}`, "general"), stored.etag)));
    for (let i = 0; i < n; i++) expect((await store.get("jobs", `b-${i}`, `b-${i}`))?.etag).toBe(replaced[i]!.etag);
    expect(store.stats().ops).toMatchObject({ create: n, replace: n });
  });

  it("honours maxOperations and maxInFlight, and names bad values", async () => {
    const store = await storeOn({ bulk: { maxOperations: 10, maxInFlight: 1 } });
    await Promise.all(Array.from({ length: 101 }, (_, i) => store.upsert("jobs", jobDoc(`s-${i}`))));
    const stats = store.writeStats();
    // The first goes alone; with one request in flight the other 100 wait and go 10 at a time.
    expect(stats).toEqual({ pointWrites: 1, bulkCalls: 10, bulkOperations: 100 });
    expect(() => new CosmosStore({ endpoint: "http://127.0.0.1:1", key: "k", database: "d", bulk: { maxOperations: 101 } })).toThrow(
      /maxOperations must be an integer from 1 to 100/,
    );
    expect(() => new CosmosStore({ endpoint: "http://127.0.0.1:1", key: "k", database: "d", bulk: { maxInFlight: 0 } })).toThrow(/maxInFlight must be a positive integer/);
  });

  it("counts a point write's request units from the body the SDK sent, serialising the document no second time", async () => {
    const store = await storeOn();
    let serialised = 0;
    const doc = jobDoc("counted");
    const body = doc.bodyMd;
    Object.defineProperty(doc, "bodyMd", {
      enumerable: true,
      get() {
        serialised++;
        return body;
      },
    });
    const before = store.stats().estimatedRu;
    await store.create("jobs", doc);
    expect(serialised).toBe(1);
    expect(store.stats().estimatedRu - before).toBe(5);
    expect(store.writeStats().pointWrites).toBe(1);
  });
});
