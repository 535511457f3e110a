import { BulkOperationType, CosmosClient, type JSONObject } from "@azure/cosmos";
import { afterEach, describe, expect, it } from "vitest";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "./embedded-cosmos.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function budgeted(ruPerSecond: number): Promise<{ peer: EmbeddedCosmos; store: CosmosStore }> {
  const peer = await startEmbeddedCosmos({ ruPerSecond });
  closers.push(() => peer.close());
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: "budgeted-bulk", local: true });
  closers.push(() => store.close());
  await store.init();
  return { peer, store };
}

describe("a bulk call under the peer's request-unit budget", () => {
  it("is throttled per operation: once the budget is spent the rest answer 429 with a retry-after and are not applied", async () => {
    const { peer } = await budgeted(40);
    const client = new CosmosClient({ endpoint: peer.endpoint, key: peer.key, connectionPolicy: { enableEndpointDiscovery: false } });
    closers.push(() => client.dispose());
    const jobs = client.database("budgeted-bulk").container("jobs");
    // 30 creates of about 1 KB, 5 RU each, against 40 RU: about eight run.
    const results = await jobs.items.bulk(
      Array.from({ length: 30 }, (_, i) => ({ operationType: BulkOperationType.Create, resourceBody: jobDoc(`t-${i}`) as unknown as JSONObject })),
    );
    const applied = results.filter((r) => r.statusCode === 201);
    const throttled = results.filter((r) => r.statusCode === 429);
    expect(applied.length).toBeGreaterThan(0);
    expect(throttled.length).toBeGreaterThan(0);
    expect(applied.length + throttled.length).toBe(30);
    for (const r of throttled) expect((r as unknown as { retryAfterMilliseconds: number }).retryAfterMilliseconds).toBeGreaterThan(0);
    // Applied ones first, in order; the refused ones never reached the state.
    const firstRefused = results.findIndex((r) => r.statusCode === 429);
    expect(results.slice(firstRefused).every((r) => r.statusCode === 429)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stored = await jobs.items.query("SELECT VALUE c.id FROM c").fetchAll();
    expect(stored.resources.sort()).toEqual(Array.from({ length: firstRefused }, (_, i) => `t-${i}`).sort());
  });

  it("CosmosStore sends each throttled operation again until every write lands, and counts the throttling", async () => {
    const { store } = await budgeted(150);
    const n = 120;
    // About 600 RU against 150 RU/s, issued at once: grouped into bulk calls, throttled per operation.
    await Promise.all(Array.from({ length: n }, (_, i) => store.upsert("jobs", jobDoc(`s-${i}`))));
    const stats = store.stats();
    expect(store.writeStats().bulkCalls).toBeGreaterThan(0);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.throttleRetries).toBe(stats.throttled);
    expect(stats.throttleGiveUps).toBe(0);
    for (let i = 0; i < n; i++) expect((await store.get("jobs", `s-${i}`, `s-${i}`))?.doc.id).toBe(`s-${i}`);
  }, 60_000);
});
