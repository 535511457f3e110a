import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isStoreError } from "../../store/port.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { createPackageAccount } from "./cosmosdb-server-internals.js";
import { EMULATOR_KEY } from "./embedded-cosmos.js";
import type { JournalOp } from "./journal-op.js";
import { JournalWriter, type RecordTarget } from "./journal-writer.js";
import { watchAccount } from "./mutation-hooks.js";
import { RECORD_HEADER_BYTES } from "./record-codec.js";
import { createRequestListener } from "./request-handler.js";
import { RequestUnitBudget } from "./request-units.js";

/** A journal target whose writes complete at once, or only when released while `holding`. */
class GatedTarget implements RecordTarget {
  readonly path = "/data/journal-00000001.log";
  readonly records: JournalOp[][] = [];
  holding = false;
  failWith: Error | undefined;
  private held: (() => void)[] = [];

  append(record: Buffer): Promise<void> {
    this.records.push((JSON.parse(record.subarray(RECORD_HEADER_BYTES).toString("utf8")) as { ops: JournalOp[] }).ops);
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    if (!this.holding) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }

  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

let server: Server | undefined;
let store: CosmosStore | undefined;
afterEach(async () => {
  await store?.close();
  if (server !== undefined) {
    const closing = new Promise((resolve) => server?.close(resolve));
    server.closeAllConnections();
    await closing;
  }
  server = store = undefined;
});

async function peerOver(target: GatedTarget): Promise<{ store: CosmosStore; journal: JournalWriter }> {
  const account = createPackageAccount("127.0.0.1", 0);
  const journal = new JournalWriter(target, 0);
  watchAccount(account, (op) => journal.append(op));
  server = createServer(createRequestListener({ account: Promise.resolve(account), journal, keepAlive: true }));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  store = new CosmosStore({ endpoint: `http://127.0.0.1:${port}`, key: EMULATOR_KEY, database: "fleet-gated", local: true, throttleRetries: { maxAttempts: 0, maxWaitSeconds: 0 } });
  await store.init();
  return { store, journal };
}

const settledWithin = async (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);

describe("the peer's replies wait for the journal", () => {
  it("acknowledges a write only once its record is on disk, and holds reads that would show it meanwhile", async () => {
    const target = new GatedTarget();
    const { store } = await peerOver(target);
    const existing = await store.create("jobs", jobDoc("j-0"));

    target.holding = true;
    const write = store.create("jobs", jobDoc("j-1"));
    expect(await settledWithin(write, 300)).toBe(false);
    expect(target.records.at(-1)?.map((op) => op.op)).toEqual(["put-document"]);
    // The write is applied in memory; a read now must not reveal state a crash could still undo.
    const read = store.get("jobs", "j-0", "j-0");
    expect(await settledWithin(read, 200)).toBe(false);

    target.release();
    const created = await write;
    expect((await read)?.etag).toBe(existing.etag);
    expect((await store.get("jobs", "j-1", "j-1"))?.etag).toBe(created.etag);
  });

  it("answers 503 to the write whose record failed and to everything after it", async () => {
    const target = new GatedTarget();
    const { store, journal } = await peerOver(target);
    target.failWith = new Error("EIO: i/o error, write");
    const refused = await store.create("jobs", jobDoc("j-1")).catch((error: unknown) => error);
    expect(isStoreError(refused, "unavailable"), String(refused)).toBe(true);
    expect(String((refused as Error).message)).toMatch(/503/);
    expect(journal.failed?.message).toMatch(/EIO/);
    const after = await store.get("jobs", "j-1", "j-1").catch((error: unknown) => error);
    expect(isStoreError(after, "unavailable"), String(after)).toBe(true);
    expect(String((after as Error).message)).toMatch(/restart it, and it replays what is on disk/);
  });
});

describe("the peer's request-unit budget", () => {
  it("applies to document requests however the path is spelled, and never to account metadata", async () => {
    server = createServer(
      createRequestListener({ account: Promise.resolve(createPackageAccount("127.0.0.1", 0)), budget: new RequestUnitBudget(1, () => 0), keepAlive: true }),
    );
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const statusOf = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
    // The clock stands still: 1 RU of budget, each read of a missing document costs 1.
    expect(await statusOf("/dbs/d/colls/c/docs/x")).toBe(404);
    expect(await statusOf("//dbs/d/colls/c/docs/x/")).toBe(404);
    expect(await statusOf("//dbs/d/colls/c/docs/x")).toBe(429);
    expect(await statusOf("/dbs/d/colls/c/docs?x=1")).toBe(429);
    expect(await statusOf("/")).toBe(200);
    expect(await statusOf("/dbs/d/colls/c")).toBe(404);
  });
});

describe("bulk calls and the journal", () => {
  it("replies to a bulk call only once every operation in it is on disk", async () => {
    const target = new GatedTarget();
    const { store } = await peerOver(target);
    await store.create("jobs", jobDoc("seed"));
    const before = target.records.length;

    target.holding = true;
    // The first write goes alone; the 29 issued with it wait and go as one bulk call.
    const writes = Array.from({ length: 30 }, (_, i) => store.upsert("jobs", jobDoc(`b-${i}`)));
    expect(await settledWithin(Promise.all(writes), 300)).toBe(false);
    target.release();
    await Promise.all(writes);

    expect(store.writeStats()).toMatchObject({ bulkCalls: 1, bulkOperations: 29 });
    const journalled = target.records.slice(before);
    expect(journalled.flat().map((op) => (op.op === "put-document" ? op.doc.id : op.op)).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `b-${i}`).sort(),
    );
    // The bulk call's operations were applied in one synchronous step: one record holds them all.
    expect(Math.max(...journalled.map((record) => record.length))).toBeGreaterThanOrEqual(29);
  });

  it("fails every write of a bulk call that outlives the request timeout with timeout: the peer did apply them", async () => {
    const target = new GatedTarget();
    const { store } = await peerOver(target);
    const { port } = server!.address() as AddressInfo;
    const impatient = new CosmosStore({ endpoint: `http://127.0.0.1:${port}`, key: EMULATOR_KEY, database: "fleet-gated", local: true, requestTimeoutMs: 300 });
    try {
      await impatient.init();
      // A first burst makes the SDK fetch the container's partition key ranges, which a bulk
      // call needs; held reads would otherwise time out before the bulk request is even sent.
      await Promise.all(Array.from({ length: 3 }, (_, i) => impatient.upsert("jobs", jobDoc(`warm-${i}`))));
      const warm = impatient.writeStats();
      target.holding = true;
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          impatient.upsert("jobs", jobDoc(`t-${i}`)).then(
            () => "ok",
            (error: unknown) => (isStoreError(error) ? error.code : String(error)),
          ),
        ),
      );
      expect(outcomes).toEqual(Array.from({ length: 6 }, () => "timeout"));
      expect(impatient.writeStats()).toEqual({ pointWrites: warm.pointWrites + 1, bulkCalls: warm.bulkCalls + 1, bulkOperations: warm.bulkOperations + 5 });
      target.release();
      for (let i = 0; i < 6; i++) expect((await store.get("jobs", `t-${i}`, `t-${i}`))?.doc.id).toBe(`t-${i}`);
    } finally {
      await impatient.close();
    }
  });
});
