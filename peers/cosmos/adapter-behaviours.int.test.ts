import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isStoreError } from "../../store/port.js";
import { CosmosStore, type CosmosStoreOptions } from "../../store/cosmos/cosmos-store.js";
import { ThrottleRetryStore } from "../../store/throttle-retry.js";
import { jobDoc, poolDoc } from "../../store/contract/store-contract-docs.js";
import { type EmbeddedCosmos, type EmbeddedCosmosOptions, startEmbeddedCosmos } from "./embedded-cosmos.js";

// What the production Cosmos adapter relies on from Cosmos DB, shown on the peer through the adapter.

const peers: EmbeddedCosmos[] = [];
const stores: CosmosStore[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const peer of peers.splice(0)) await peer.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function peer(options: EmbeddedCosmosOptions = {}): Promise<EmbeddedCosmos> {
  const started = await startEmbeddedCosmos(options);
  peers.push(started);
  return started;
}

function storeOn(on: EmbeddedCosmos, options: Partial<CosmosStoreOptions> = {}): CosmosStore {
  const store = new CosmosStore({ endpoint: on.endpoint, key: on.key, database: "fleet-behaviours", local: true, ...options });
  stores.push(store);
  return store;
}

/** Runs `work` for each item with `concurrency` calls in flight. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe("429 from the peer's request-unit budget", () => {
  it("is retried by the adapter (the SDK waits x-ms-retry-after-ms) until every write lands", async () => {
    const on = await peer({ ruPerSecond: 150 });
    const store = storeOn(on);
    await store.init();
    const ids = Array.from({ length: 100 }, (_, i) => `j-${i}`);
    // 100 writes of ~600 bytes at 5 RU each: 500 RU against 150 RU/s, so throttling comes unless
    // the writes themselves take over 3 s (a heavily loaded machine).
    await inParallel(ids, 8, (id) => store.upsert("jobs", jobDoc(id)));
    const stats = store.stats();
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.throttleRetries).toBe(stats.throttled);
    expect(stats.throttleGiveUps).toBe(0);
    for (const id of ids) expect(await store.get("jobs", id, id)).toBeDefined();
  });

  it("surfaces as StoreError('throttled') with the server's retry-after once the SDK's retries are spent, which ThrottleRetryStore honours", async () => {
    const on = await peer({ ruPerSecond: 10 });
    const bare = storeOn(on, { throttleRetries: { maxAttempts: 0, maxWaitSeconds: 0 } });
    await bare.init();
    const large = (id: string) => jobDoc(id, { bodyMd: "x".repeat(1500) });
    await bare.upsert("jobs", large("first"));
    const refused = await bare.upsert("jobs", large("second")).catch((error: unknown) => error);
    expect(isStoreError(refused, "throttled"), String(refused)).toBe(true);
    const retryAfterMs = (refused as { retryAfterMs?: number }).retryAfterMs ?? 0;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1000);
    expect(bare.stats().throttleGiveUps).toBe(1);

    const waits: number[] = [];
    const retrying = new ThrottleRetryStore(bare, {
      maxAttempts: 5,
      sleep: (ms) => {
        waits.push(ms);
        return new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const stored = await retrying.upsert("jobs", large("second"));
    expect(stored.doc.id).toBe("second");
    expect(waits.length).toBeGreaterThan(0);
    // Each wait is what the peer asked for: within the 15 RU this write overdraws plus one more
    // request's worth queued ahead of it, at 10 RU/s.
    expect(waits.every((ms) => ms > 0 && ms <= 3000), String(waits)).toBe(true);
    expect(retrying.stats().throttleRetries).toBe(waits.length);
  });

  it("never applies the refused request", async () => {
    const on = await peer({ ruPerSecond: 20 });
    const store = storeOn(on, { throttleRetries: { maxAttempts: 0, maxWaitSeconds: 0 } });
    await store.init();
    // ~4.6 KB: 25 RU, 5 more than the budget holds.
    await store.upsert("jobs", jobDoc("only", { bodyMd: "x".repeat(4000) }));
    const refused = await store.create("jobs", jobDoc("refused")).catch((error: unknown) => error);
    expect(isStoreError(refused, "throttled")).toBe(true);
    // Reads are budgeted too; wait for the balance to come back before looking.
    await new Promise((resolve) => setTimeout(resolve, (refused as { retryAfterMs: number }).retryAfterMs + 50));
    expect(await store.get("jobs", "refused", "refused")).toBeUndefined();
  });
});

describe("continuation tokens across a large container", () => {
  it("pages through 5,000 documents with limit, each exactly once, unordered and ordered", async () => {
    const on = await peer();
    const store = storeOn(on);
    await store.init();
    const ids = Array.from({ length: 5000 }, (_, i) => `p-${String(i).padStart(5, "0")}`);
    await inParallel(ids, 32, (id) => store.create("jobs", jobDoc(id, { queuedAt: 5000 - Number(id.slice(2)) })));

    for (const orderBy of [undefined, { field: "queuedAt", direction: "asc" as const }]) {
      const seen: string[] = [];
      const queuedAt: number[] = [];
      let continuation: string | undefined;
      let pages = 0;
      do {
        const page = await store.query("jobs", { limit: 250, ...(orderBy === undefined ? {} : { orderBy }), ...(continuation === undefined ? {} : { continuation }) });
        expect(page.items.length).toBeLessThanOrEqual(250);
        for (const item of page.items) {
          seen.push(item.doc.id);
          queuedAt.push(item.doc.queuedAt ?? 0);
        }
        continuation = page.continuation;
        pages++;
        expect(pages).toBeLessThanOrEqual(40);
      } while (continuation !== undefined);
      expect(seen).toHaveLength(5000);
      expect(new Set(seen).size).toBe(5000);
      expect(pages).toBeGreaterThanOrEqual(20);
      if (orderBy !== undefined) expect(queuedAt).toEqual([...queuedAt].sort((a, b) => a - b));
    }
  }, 120_000);
});

describe("read-your-writes", () => {
  it("shows each acknowledged write to the next read, point or query, from the same client or another", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cosmos-peer-"));
    dirs.push(dir);
    const on = await peer({ dataDir: join(dir, "data") });
    const writer = storeOn(on);
    const other = storeOn(on);
    await writer.init();
    await other.init();
    let etag = (await writer.upsert("pools", poolDoc("general", { updatedAt: 0 }))).etag;
    for (let i = 1; i <= 100; i++) {
      const written = i % 2 === 0 ? await writer.replace("pools", poolDoc("general", { updatedAt: i }), etag) : await writer.upsert("pools", poolDoc("general", { updatedAt: i }));
      etag = written.etag;
      const mine = await writer.get("pools", "pool.general", "fleet");
      expect(mine?.doc.updatedAt).toBe(i);
      expect(mine?.etag).toBe(etag);
      const theirs = await other.get("pools", "pool.general", "fleet");
      expect(theirs?.etag).toBe(etag);
      if (i % 10 === 0) {
        const { items } = await other.query("pools", { where: [{ field: "updatedAt", op: "=", value: i }] });
        expect(items.map((item) => item.etag)).toEqual([etag]);
      }
    }
  });
});
