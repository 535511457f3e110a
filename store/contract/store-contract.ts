import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EstimatedRu, jsonLengthOf } from "../estimated-ru.js";
import { type Collection, type DocOf, isStoreError, type StoreErrorCode, type StorePort, type StoreQuery } from "../port.js";
import { assignedJob, budgetDoc, checkpointDoc, eventPageDoc, factoryDoc, jobDoc, operatorCredentialDoc, poolDoc } from "./store-contract-docs.js";
import { runConcurrentWritesContract } from "./store-contract-concurrent.js";
import { runSearchContract } from "./store-contract-search.js";
import { runTtlContract } from "./store-contract-ttl.js";

export type MakeStore = () => Promise<{
  store: StorePort;
  cleanup(): Promise<void>;
  /** Moves the clock time to live is measured by; without it the suite waits in real time. */
  advanceClock?(ms: number): void;
}>;

/** Behaviours an adapter may be excused from, each with the reason shown in the test report. */
export interface ContractOptions {
  gaps?: {
    /** ORDER BY includes documents that lack the field, first when ascending (Cosmos DB since 2022). */
    orderByKeepsUndefined?: string;
    /** Documents expire by their time to live. */
    ttlExpiry?: string;
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail, but it succeeded");
    },
    (error: unknown) => error,
  );
}

async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const error = await failure(promise);
  expect(isStoreError(error), `expected StoreError(${code}), got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

/** Every item of a query, page by page; also returns how many pages it took. */
async function drain<C extends Collection>(store: StorePort, collection: C, query: StoreQuery): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let continuation: string | undefined;
  let pages = 0;
  do {
    const page = await store.query(collection, { ...query, ...(continuation === undefined ? {} : { continuation }) });
    if (query.limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((item) => (item.doc as DocOf<C>).id));
    continuation = page.continuation;
    pages++;
    expect(pages, "paging does not terminate").toBeLessThan(500);
  } while (continuation !== undefined);
  return { ids, pages };
}

/**
 * The store port's contract (store/port.ts), run against every adapter. A fresh,
 * initialised store per test.
 */
export function runStoreContract(name: string, makeStore: MakeStore, options: ContractOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    let store: StorePort;
    let cleanup: () => Promise<void>;
    let advanceClock: ((ms: number) => void) | undefined;
    beforeEach(async () => {
      ({ store, cleanup, advanceClock } = await makeStore());
      await store.init();
    });
    afterEach(async () => {
      await cleanup();
    });

    runTtlContract(
      () => store,
      {
        pass: (ms) => (advanceClock === undefined ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve(advanceClock(ms))),
        controllable: () => advanceClock !== undefined,
      },
      options.gaps?.ttlExpiry,
    );

    describe("create and get", () => {
      it("round-trips a document without system properties and with an etag", async () => {
        const job = jobDoc("j-1");
        const created = await store.create("jobs", job);
        expect(created.doc).toEqual(job);
        expect(typeof created.etag).toBe("string");
        expect(created.etag).not.toBe("");
        const read = await store.get("jobs", "j-1", "j-1");
        expect(read?.doc).toEqual(job);
        expect(read?.etag).toBe(created.etag);
        expect(Object.keys(read?.doc ?? {}).filter((key) => key.startsWith("_"))).toEqual([]);
      });

      it("round-trips every collection under its own partition key", async () => {
        await store.create("jobs", jobDoc("j-1"));
        await store.create("events", eventPageDoc("j-1", 0));
        await store.create("factories", factoryDoc("f-1", "acme"));
        await store.create("budgets", budgetDoc("acme"));
        await store.create("pools", poolDoc("general"));
        await store.create("checkpoints", checkpointDoc("relay.assignments", { watermark: 5 }));
        await store.create("credentials", operatorCredentialDoc("op-1"));
        expect((await store.get("jobs", "j-1", "j-1"))?.doc).toEqual(jobDoc("j-1"));
        expect((await store.get("credentials", "op-1", "credentials"))?.doc).toEqual(operatorCredentialDoc("op-1"));
        expect((await store.get("events", "j-1.events.0", "j-1"))?.doc).toEqual(eventPageDoc("j-1", 0));
        expect((await store.get("factories", "f-1", "acme"))?.doc).toEqual(factoryDoc("f-1", "acme"));
        expect((await store.get("budgets", "budget.acme", "acme"))?.doc).toEqual(budgetDoc("acme"));
        expect((await store.get("pools", "pool.general", "fleet"))?.doc).toEqual(poolDoc("general"));
        expect((await store.get("checkpoints", "relay.assignments", "relay.assignments"))?.doc.data).toEqual({ watermark: 5 });
      });

      it("never lets a caller alias stored state, in or out", async () => {
        const job = jobDoc("j-1");
        const created = await store.create("jobs", job);
        job.stage = "failed";
        job.capabilities.push("lang:go");
        created.doc.stage = "cancelled";
        const first = await store.get("jobs", "j-1", "j-1");
        expect(first?.doc).toEqual(jobDoc("j-1"));
        first?.doc.events.push({ seq: 99, type: "tampered", at: 1, actor: "operator", epoch: 0 });
        const page = await store.query("jobs", {});
        page.items[0]?.doc.capabilities.push("lang:rust");
        expect((await store.get("jobs", "j-1", "j-1"))?.doc).toEqual(jobDoc("j-1"));
      });

      it("returns undefined for a missing document or the wrong partition", async () => {
        await store.create("factories", factoryDoc("f-1", "acme"));
        expect(await store.get("jobs", "nope", "nope")).toBeUndefined();
        expect(await store.get("factories", "f-1", "globex")).toBeUndefined();
      });

      it("refuses a duplicate create with already_exists and keeps the first document", async () => {
        await store.create("jobs", jobDoc("j-1", { retries: 0 }));
        await expectStoreError(store.create("jobs", jobDoc("j-1", { retries: 7 })), "already_exists");
        expect((await store.get("jobs", "j-1", "j-1"))?.doc.retries).toBe(0);
      });

      it("keeps the same id in two partitions as two documents", async () => {
        await store.create("factories", factoryDoc("f-1", "acme", { load: 1 }));
        await store.create("factories", factoryDoc("f-1", "globex", { load: 2 }));
        expect((await store.get("factories", "f-1", "acme"))?.doc.load).toBe(1);
        expect((await store.get("factories", "f-1", "globex"))?.doc.load).toBe(2);
      });

      it("is idempotent to initialise again and keeps the data", async () => {
        await store.create("pools", poolDoc("general"));
        await store.init();
        expect((await store.get("pools", "pool.general", "fleet"))?.doc.name).toBe("general");
      });
    });

    describe("conditional replace", () => {
      it("replaces with the current etag and returns a new one", async () => {
        const created = await store.create("jobs", jobDoc("j-1"));
        const replaced = await store.replace("jobs", assignedJob("j-1", "general"), created.etag);
        expect(replaced.etag).not.toBe(created.etag);
        expect(replaced.doc).toEqual(assignedJob("j-1", "general"));
        const read = await store.get("jobs", "j-1", "j-1");
        expect(read).toEqual({ doc: assignedJob("j-1", "general"), etag: replaced.etag });
      });

      it("refuses a stale etag with conflict, leaves the document unchanged and counts it", async () => {
        const created = await store.create("jobs", jobDoc("j-1"));
        const current = await store.replace("jobs", assignedJob("j-1", "general"), created.etag);
        const before = store.stats().conflicts;
        await expectStoreError(store.replace("jobs", jobDoc("j-1", { stage: "failed" }), created.etag), "conflict");
        expect(await store.get("jobs", "j-1", "j-1")).toEqual({ doc: assignedJob("j-1", "general"), etag: current.etag });
        expect(store.stats().conflicts).toBe(before + 1);
      });

      it("refuses to replace a missing document with not_found", async () => {
        const created = await store.create("jobs", jobDoc("j-1"));
        await expectStoreError(store.replace("jobs", jobDoc("gone"), created.etag), "not_found");
        await store.delete("jobs", "j-1", "j-1");
        await expectStoreError(store.replace("jobs", jobDoc("j-1"), created.etag), "not_found");
      });

      it("changes the etag on every write, whatever its kind", async () => {
        const etags = new Set<string>();
        let etag = (await store.create("jobs", jobDoc("j-1"))).etag;
        etags.add(etag);
        for (let i = 1; i <= 3; i++) {
          etag = (await store.replace("jobs", jobDoc("j-1", { retries: i }), etag)).etag;
          etags.add(etag);
        }
        // A write of identical content is still a new version.
        etags.add((await store.upsert("jobs", jobDoc("j-1", { retries: 3 }))).etag);
        etags.add((await store.upsert("jobs", jobDoc("j-1", { retries: 3 }))).etag);
        expect(etags.size).toBe(6);
      });

      it("lets exactly one of 20 concurrent replaces with the same etag win", async () => {
        const created = await store.create("jobs", jobDoc("race"));
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.replace("jobs", assignedJob("race", `pool-${i}`), created.etag)),
        );
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [{ i, etag: r.value.etag }] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(isStoreError(r.reason, "conflict")).toBe(true);
        const stored = await store.get("jobs", "race", "race");
        expect(stored?.etag).toBe(winners[0]?.etag);
        expect(stored?.doc.lease?.pool).toBe(`pool-${winners[0]?.i}`);
      });
    });

    describe("upsert and delete", () => {
      it("upserts a new document, then overwrites it without a precondition", async () => {
        const first = await store.upsert("factories", factoryDoc("f-1", "acme"));
        const second = await store.upsert("factories", factoryDoc("f-1", "acme", { load: 2, lastHeartbeatAt: 1_010_000 }));
        expect(second.etag).not.toBe(first.etag);
        expect(await store.get("factories", "f-1", "acme")).toEqual({ doc: factoryDoc("f-1", "acme", { load: 2, lastHeartbeatAt: 1_010_000 }), etag: second.etag });
        await expectStoreError(store.replace("factories", factoryDoc("f-1", "acme"), first.etag), "conflict");
      });

      it("deletes, refuses to delete twice, and lets the id be created again", async () => {
        await store.create("factories", factoryDoc("f-1", "acme"));
        await store.delete("factories", "f-1", "acme");
        expect(await store.get("factories", "f-1", "acme")).toBeUndefined();
        await expectStoreError(store.delete("factories", "f-1", "acme"), "not_found");
        await store.create("factories", factoryDoc("f-1", "acme", { load: 1 }));
        expect((await store.get("factories", "f-1", "acme"))?.doc.load).toBe(1);
      });

      it("deletes only in the partition given", async () => {
        await store.create("factories", factoryDoc("f-1", "acme"));
        await expectStoreError(store.delete("factories", "f-1", "globex"), "not_found");
        expect(await store.get("factories", "f-1", "acme")).toBeDefined();
      });
    });

    describe("query filters", () => {
      const ids = async (collection: Collection, where: StoreQuery["where"]): Promise<string[]> =>
        (await store.query(collection, { ...(where === undefined ? {} : { where }) })).items.map((item) => (item.doc as { id: string }).id).sort();

      beforeEach(async () => {
        await store.create("jobs", jobDoc("a", { retries: 0, priority: "low", createdAt: 10 }));
        await store.create("jobs", assignedJob("b", "general", { retries: 1, priority: "high", createdAt: 20 }));
        await store.create("jobs", assignedJob("c", "gpu", { retries: 2, priority: "critical", createdAt: 30 }));
        await store.create("jobs", jobDoc("d", { stage: "shipped", retries: 3, priority: "medium", createdAt: 40 }));
      });

      it("applies =, !=, <, <=, > and >=", async () => {
        expect(await ids("jobs", [{ field: "stage", op: "=", value: "assigned" }])).toEqual(["b", "c"]);
        expect(await ids("jobs", [{ field: "stage", op: "!=", value: "assigned" }])).toEqual(["a", "d"]);
        expect(await ids("jobs", [{ field: "retries", op: "<", value: 2 }])).toEqual(["a", "b"]);
        expect(await ids("jobs", [{ field: "retries", op: "<=", value: 2 }])).toEqual(["a", "b", "c"]);
        expect(await ids("jobs", [{ field: "retries", op: ">", value: 2 }])).toEqual(["d"]);
        expect(await ids("jobs", [{ field: "retries", op: ">=", value: 2 }])).toEqual(["c", "d"]);
        expect(await ids("jobs", [{ field: "priority", op: "<", value: "low" }])).toEqual(["b", "c"]);
      });

      it("applies in and not_in, empty lists included", async () => {
        expect(await ids("jobs", [{ field: "priority", op: "in", value: ["high", "critical", "unknown"] }])).toEqual(["b", "c"]);
        expect(await ids("jobs", [{ field: "priority", op: "not_in", value: ["high", "critical"] }])).toEqual(["a", "d"]);
        expect(await ids("jobs", [{ field: "retries", op: "in", value: [0, 3] }])).toEqual(["a", "d"]);
        expect(await ids("jobs", [{ field: "stage", op: "in", value: [] }])).toEqual([]);
        expect(await ids("jobs", [{ field: "stage", op: "not_in", value: [] }])).toEqual(["a", "b", "c", "d"]);
      });

      it("follows nested paths and ANDs every filter", async () => {
        expect(await ids("jobs", [{ field: "lease.pool", op: "=", value: "gpu" }])).toEqual(["c"]);
        expect(await ids("jobs", [{ field: "outbox.epoch", op: ">=", value: 1 }])).toEqual(["b", "c"]);
        expect(
          await ids("jobs", [
            { field: "stage", op: "=", value: "assigned" },
            { field: "lease.pool", op: "in", value: ["general", "cpu"] },
            { field: "retries", op: "<", value: 5 },
          ]),
        ).toEqual(["b"]);
      });

      it("skips documents that lack the field, for != and not_in too (Cosmos DB's undefined)", async () => {
        expect(await ids("jobs", [{ field: "lease.pool", op: "!=", value: "gpu" }])).toEqual(["b"]);
        expect(await ids("jobs", [{ field: "lease.pool", op: "not_in", value: ["gpu"] }])).toEqual(["b"]);
        expect(await ids("jobs", [{ field: "lease.pool", op: "not_in", value: [] }])).toEqual(["b", "c"]);
        expect(await ids("jobs", [{ field: "notBefore", op: "<", value: Number.MAX_SAFE_INTEGER }])).toEqual([]);
      });

      it("never matches across JSON types, as Cosmos DB compares", async () => {
        await store.create("checkpoints", checkpointDoc("n1", { v: 1 }));
        await store.create("checkpoints", checkpointDoc("n2", { v: 2 }));
        await store.create("checkpoints", checkpointDoc("s1", { v: "1" }));
        await store.create("checkpoints", checkpointDoc("t", { v: true }));
        await store.create("checkpoints", checkpointDoc("nul", { v: null }));
        await store.create("checkpoints", checkpointDoc("none", {}));
        expect(await ids("checkpoints", [{ field: "data.v", op: "=", value: 1 }])).toEqual(["n1"]);
        expect(await ids("checkpoints", [{ field: "data.v", op: "=", value: "1" }])).toEqual(["s1"]);
        expect(await ids("checkpoints", [{ field: "data.v", op: "!=", value: 1 }])).toEqual(["n2"]);
        expect(await ids("checkpoints", [{ field: "data.v", op: "<", value: 5 }])).toEqual(["n1", "n2"]);
        expect(await ids("checkpoints", [{ field: "data.v", op: "not_in", value: ["1"] }])).toEqual([]);
        expect(await ids("checkpoints", [{ field: "data.v", op: "in", value: [true, false] }])).toEqual(["t"]);
      });

      it("accepts field names that are SQL keywords", async () => {
        await store.create("checkpoints", checkpointDoc("k1", { value: 1, order: "x" }));
        await store.create("checkpoints", checkpointDoc("k2", { value: 2, order: "y" }));
        expect(await ids("checkpoints", [{ field: "data.value", op: "=", value: 2 }])).toEqual(["k2"]);
        const ordered = await store.query("checkpoints", { orderBy: { field: "data.order", direction: "desc" } });
        expect(ordered.items.map((item) => item.doc.id)).toEqual(["k2", "k1"]);
      });

      it("rejects field paths that are not plain dot paths, before reaching the store", async () => {
        const before = store.stats().ops.query;
        for (const field of ["stage = 'x' OR 1=1 --", "lease..pool", "lease.pool)", "c-stage", "1stage", "stage[0]", 'data["x"]']) {
          await expect(store.query("jobs", { where: [{ field, op: "=", value: "x" }] })).rejects.toThrow(/invalid field path/);
        }
        await expect(store.query("jobs", { orderBy: { field: "createdAt DESC, c.id", direction: "asc" } })).rejects.toThrow(/invalid field path/);
        await expect(store.query("jobs", { where: [{ field: "stage", op: "in", value: "queued" }] })).rejects.toThrow(/list/);
        await expect(store.query("jobs", { where: [{ field: "stage", op: "=", value: ["queued"] }] })).rejects.toThrow(/single value/);
        expect(store.stats().ops.query).toBe(before);
      });

      it("returns etags a conditional replace accepts", async () => {
        const page = await store.query("jobs", { where: [{ field: "stage", op: "=", value: "shipped" }] });
        const item = page.items[0];
        expect(item?.doc.id).toBe("d");
        if (item === undefined) return;
        await store.replace("jobs", { ...item.doc, retries: 9 }, item.etag);
        expect((await store.get("jobs", "d", "d"))?.doc.retries).toBe(9);
      });
    });

    runSearchContract(() => store);
    runConcurrentWritesContract(() => store);

    describe("query order, paging and partitions", () => {
      it("orders ascending and descending by numbers and by strings", async () => {
        const created = [40, 10, 30, 20];
        for (const [i, at] of created.entries()) await store.create("jobs", jobDoc(`o-${i}`, { createdAt: at, title: `title ${String.fromCharCode(100 - i)}` }));
        const by = async (field: string, direction: "asc" | "desc") =>
          (await store.query("jobs", { orderBy: { field, direction } })).items.map((item) => item.doc.id);
        expect(await by("createdAt", "asc")).toEqual(["o-1", "o-3", "o-2", "o-0"]);
        expect(await by("createdAt", "desc")).toEqual(["o-0", "o-2", "o-3", "o-1"]);
        expect(await by("title", "asc")).toEqual(["o-3", "o-2", "o-1", "o-0"]);
        expect(await by("title", "desc")).toEqual(["o-0", "o-1", "o-2", "o-3"]);
      });

      it("orders mixed JSON types null, booleans, numbers, strings", async () => {
        for (const [id, v] of [["s", "a"], ["n2", 2], ["t", true], ["nul", null], ["n1", 1], ["f", false]] as const) {
          await store.create("checkpoints", checkpointDoc(id, { v }));
        }
        const asc = await store.query("checkpoints", { orderBy: { field: "data.v", direction: "asc" } });
        expect(asc.items.map((item) => item.doc.id)).toEqual(["nul", "f", "t", "n1", "n2", "s"]);
      });

      const undefinedGap = options.gaps?.orderByKeepsUndefined;
      (undefinedGap === undefined ? it : it.skip)(
        `keeps documents lacking the ORDER BY field, first when ascending${undefinedGap === undefined ? "" : ` (skipped: ${undefinedGap})`}`,
        async () => {
          await store.create("jobs", jobDoc("with", { notBefore: 5 }));
          await store.create("jobs", jobDoc("without"));
          const asc = await store.query("jobs", { orderBy: { field: "notBefore", direction: "asc" } });
          expect(asc.items.map((item) => item.doc.id)).toEqual(["without", "with"]);
          const desc = await store.query("jobs", { orderBy: { field: "notBefore", direction: "desc" } });
          expect(desc.items.map((item) => item.doc.id)).toEqual(["with", "without"]);
        },
      );

      it("pages with limit and continuation, visiting every item exactly once", async () => {
        const all: string[] = [];
        for (let i = 0; i < 11; i++) {
          const id = `p-${String(i).padStart(2, "0")}`;
          all.push(id);
          // Pairs share a createdAt: ties must not make paging skip or repeat.
          await store.create("jobs", jobDoc(id, { createdAt: 100 + Math.floor(i / 2) }));
        }
        for (const limit of [1, 3, 4, 11, 50]) {
          const unordered = await drain(store, "jobs", { limit });
          expect(unordered.ids.slice().sort()).toEqual(all);
          const asc = await drain(store, "jobs", { limit, orderBy: { field: "createdAt", direction: "asc" } });
          expect(asc.ids.slice().sort()).toEqual(all);
          expect(asc.ids.map((id) => Math.floor(Number(id.slice(2)) / 2))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
          const desc = await drain(store, "jobs", { limit, orderBy: { field: "createdAt", direction: "desc" } });
          expect(desc.ids.slice().sort()).toEqual(all);
          expect(desc.ids.map((id) => Math.floor(Number(id.slice(2)) / 2))).toEqual([5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0]);
          expect(asc.pages).toBeGreaterThanOrEqual(Math.ceil(11 / limit));
        }
      });

      it("pages through a filtered query and ends without a continuation", async () => {
        for (let i = 0; i < 9; i++) await store.create("jobs", i % 3 === 0 ? assignedJob(`f-${i}`, "general") : jobDoc(`f-${i}`));
        const assigned = await drain(store, "jobs", { limit: 2, where: [{ field: "stage", op: "=", value: "assigned" }] });
        expect(assigned.ids.sort()).toEqual(["f-0", "f-3", "f-6"]);
        const last = await store.query("jobs", { limit: 10 });
        expect(last.items).toHaveLength(9);
        expect(last.continuation).toBeUndefined();
      });

      it("returns every match in one call when no limit is given", async () => {
        for (let i = 0; i < 120; i++) await store.create("events", eventPageDoc(`job-${i % 4}`, i, 1));
        const page = await store.query("events", {});
        expect(page.items).toHaveLength(120);
        expect(page.continuation).toBeUndefined();
      });

      it("scopes a query to one partition, or runs it across all", async () => {
        await store.create("factories", factoryDoc("f-1", "acme", { load: 1 }));
        await store.create("factories", factoryDoc("f-2", "acme", { load: 0 }));
        await store.create("factories", factoryDoc("f-1", "globex", { load: 1 }));
        const acme = await store.query("factories", { partitionKey: "acme", orderBy: { field: "id", direction: "asc" } });
        expect(acme.items.map((item) => `${item.doc.productId}/${item.doc.id}`)).toEqual(["acme/f-1", "acme/f-2"]);
        const busy = await store.query("factories", { partitionKey: "globex", where: [{ field: "load", op: ">", value: 0 }] });
        expect(busy.items.map((item) => `${item.doc.productId}/${item.doc.id}`)).toEqual(["globex/f-1"]);
        const all = await store.query("factories", { where: [{ field: "load", op: "=", value: 1 }], orderBy: { field: "productId", direction: "desc" } });
        expect(all.items.map((item) => `${item.doc.productId}/${item.doc.id}`)).toEqual(["globex/f-1", "acme/f-1"]);
        expect((await store.query("factories", { partitionKey: "initech" })).items).toEqual([]);
      });

      it("pages within one partition", async () => {
        for (let i = 0; i < 7; i++) await store.create("events", eventPageDoc("job-a", i * 10));
        for (let i = 0; i < 3; i++) await store.create("events", eventPageDoc("job-b", i * 10));
        const pages = await drain(store, "events", { partitionKey: "job-a", limit: 2, orderBy: { field: "fromSeq", direction: "asc" } });
        expect(pages.ids).toEqual([0, 10, 20, 30, 40, 50, 60].map((seq) => `job-a.events.${seq}`));
      });
    });

    describe("stats", () => {
      it("counts each operation by kind, refused ones included", async () => {
        const before = store.stats();
        const created = await store.create("jobs", jobDoc("s"));
        await store.get("jobs", "s", "s");
        await store.get("jobs", "missing", "missing");
        await store.replace("jobs", jobDoc("s", { retries: 1 }), created.etag);
        await expectStoreError(store.replace("jobs", jobDoc("s", { retries: 2 }), created.etag), "conflict");
        await expectStoreError(store.create("jobs", jobDoc("s")), "already_exists");
        await store.upsert("factories", factoryDoc("f", "acme"));
        await store.query("jobs", { limit: 5 });
        await store.delete("factories", "f", "acme");
        const after = store.stats();
        expect({
          read: after.ops.read - before.ops.read,
          create: after.ops.create - before.ops.create,
          replace: after.ops.replace - before.ops.replace,
          upsert: after.ops.upsert - before.ops.upsert,
          delete: after.ops.delete - before.ops.delete,
          query: after.ops.query - before.ops.query,
        }).toEqual({ read: 2, create: 2, replace: 2, upsert: 1, delete: 1, query: 1 });
        expect(after.conflicts - before.conflicts).toBe(1);
        expect(after.throttled - before.throttled).toBe(0);
      });

      it("estimates request units by the shared model, exactly", async () => {
        const big = jobDoc("big", { bodyMd: "x".repeat(3000) });
        const small = factoryDoc("f", "acme");
        const before = store.stats().estimatedRu;
        const created = await store.create("jobs", big);
        await store.get("jobs", "big", "big");
        await store.get("jobs", "missing", "missing");
        await expectStoreError(store.replace("jobs", big, '"stale"'), "conflict");
        await store.replace("jobs", big, created.etag);
        await store.upsert("factories", small);
        await store.query("factories", { limit: 10 });
        await store.delete("factories", "f", "acme");
        const bigLength = jsonLengthOf(big);
        expect(bigLength).toBeGreaterThan(3 * 1024);
        const expected =
          EstimatedRu.write(bigLength) +
          EstimatedRu.read(bigLength) +
          EstimatedRu.readMissing +
          EstimatedRu.rejectedWrite +
          EstimatedRu.write(bigLength) +
          EstimatedRu.write(jsonLengthOf(small)) +
          EstimatedRu.queryPage +
          EstimatedRu.delete;
        expect(store.stats().estimatedRu - before).toBe(expected);
        expect(EstimatedRu.write(bigLength)).toBe(20);
      });

      it("hands out a snapshot, not live counters", async () => {
        const snapshot = store.stats();
        await store.create("pools", poolDoc("general"));
        expect(store.stats().ops.create).toBe(snapshot.ops.create + 1);
        snapshot.ops.create = 1000;
        expect(store.stats().ops.create).not.toBe(1000);
      });
    });
  });
}
