import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FactoryDoc, JobDoc } from "../contracts/index.js";
import { isStoreError, type StorePort } from "../coordinator/store/port.js";
import { queuedJob } from "./support/job-fixture.js";

export type MakeStore = () => Promise<{ store: StorePort; cleanup(): Promise<void> }>;

const job = (id: string, overrides: Partial<JobDoc> = {}): JobDoc => ({ ...queuedJob(), id, ...overrides });
const factory = (id: string, productId: string, pool: string, load = 0): FactoryDoc => ({
  id,
  productId,
  pool,
  capabilities: ["lang:ts"],
  seats: 1,
  load,
  health: "ok",
  startedAt: 1,
  lastHeartbeatAt: 2,
});

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStoreError(error), `expected StoreError(${code}), got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

/** The store port's contract, run against every adapter. */
export function runStoreContract(name: string, make: MakeStore): void {
  describe(`store contract: ${name}`, () => {
    let store: StorePort;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
      await store.init();
    });
    afterEach(async () => cleanup());

    it("creates and reads back a document without system fields, as a copy", async () => {
      const created = await store.create("jobs", job("j-1"));
      expect(created.etag).not.toBe("");
      const read = await store.get("jobs", "j-1", "j-1");
      expect(read?.doc).toEqual(job("j-1"));
      expect(Object.keys(read!.doc).some((k) => k.startsWith("_"))).toBe(false);
      read!.doc.stage = "failed";
      expect((await store.get("jobs", "j-1", "j-1"))?.doc.stage).toBe("queued");
    });

    it("returns undefined for a missing document", async () => {
      expect(await store.get("jobs", "nope", "nope")).toBeUndefined();
    });

    it("refuses a duplicate create", async () => {
      await store.create("jobs", job("j-1"));
      await expectStoreError(store.create("jobs", job("j-1")), "already_exists");
    });

    it("replaces with the current etag, changes the etag, and refuses a stale one leaving the document unchanged", async () => {
      const first = await store.create("jobs", job("j-1"));
      const second = await store.replace("jobs", job("j-1", { stage: "assigned" }), first.etag);
      expect(second.etag).not.toBe(first.etag);
      await expectStoreError(store.replace("jobs", job("j-1", { stage: "failed" }), first.etag), "conflict");
      expect((await store.get("jobs", "j-1", "j-1"))?.doc.stage).toBe("assigned");
      expect(store.stats().conflicts).toBe(1);
    });

    it("refuses to replace a missing document", async () => {
      await expectStoreError(store.replace("jobs", job("gone"), '"x"'), "not_found");
    });

    it("lets exactly one of 20 concurrent replaces with the same etag win", async () => {
      const created = await store.create("jobs", job("race"));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.replace("jobs", job("race", { stageReason: `writer ${i}` }), created.etag)),
      );
      const winners = results.filter((r) => r.status === "fulfilled");
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((r) => r.status === "rejected")) expect(isStoreError(loser.reason, "conflict")).toBe(true);
    });

    it("upserts and deletes", async () => {
      await store.upsert("factories", factory("f-1", "acme", "general"));
      await store.upsert("factories", factory("f-1", "acme", "general", 3));
      expect((await store.get("factories", "f-1", "acme"))?.doc.load).toBe(3);
      await store.delete("factories", "f-1", "acme");
      expect(await store.get("factories", "f-1", "acme")).toBeUndefined();
      await expectStoreError(store.delete("factories", "f-1", "acme"), "not_found");
    });

    it("filters with every operator, nested paths included", async () => {
      await store.create("jobs", job("a", { stage: "queued", retries: 0, lease: { pool: "general", assignedAt: 1, acceptBy: 2, renewals: 0 } }));
      await store.create("jobs", job("b", { stage: "assigned", retries: 1 }));
      await store.create("jobs", job("c", { stage: "shipped", retries: 2 }));
      const ids = async (where: Parameters<StorePort["query"]>[1]["where"]) =>
        (await store.query("jobs", { where, orderBy: { field: "id", direction: "asc" } })).items.map((i) => i.doc.id);
      expect(await ids([{ field: "stage", op: "=", value: "assigned" }])).toEqual(["b"]);
      expect(await ids([{ field: "stage", op: "!=", value: "assigned" }])).toEqual(["a", "c"]);
      expect(await ids([{ field: "retries", op: "<", value: 1 }])).toEqual(["a"]);
      expect(await ids([{ field: "retries", op: ">=", value: 1 }])).toEqual(["b", "c"]);
      expect(await ids([{ field: "stage", op: "in", value: ["queued", "shipped"] }])).toEqual(["a", "c"]);
      expect(await ids([{ field: "stage", op: "not_in", value: ["queued", "shipped"] }])).toEqual(["b"]);
      expect(await ids([{ field: "lease.pool", op: "=", value: "general" }])).toEqual(["a"]);
    });

    it("orders both ways and pages through every item exactly once", async () => {
      for (let i = 0; i < 7; i++) await store.create("jobs", job(`p-${i}`, { createdAt: 100 + i }));
      const desc = await store.query("jobs", { orderBy: { field: "createdAt", direction: "desc" } });
      expect(desc.items.map((i) => i.doc.id)).toEqual(["p-6", "p-5", "p-4", "p-3", "p-2", "p-1", "p-0"]);
      const seen: string[] = [];
      let continuation: string | undefined;
      let pages = 0;
      do {
        const page = await store.query("jobs", { limit: 3, orderBy: { field: "createdAt", direction: "asc" }, ...(continuation === undefined ? {} : { continuation }) });
        seen.push(...page.items.map((i) => i.doc.id));
        continuation = page.continuation;
        pages++;
      } while (continuation !== undefined && pages < 10);
      expect(seen).toEqual(["p-0", "p-1", "p-2", "p-3", "p-4", "p-5", "p-6"]);
    });

    it("scopes a query to one partition", async () => {
      await store.upsert("factories", factory("f-1", "acme", "general"));
      await store.upsert("factories", factory("f-2", "globex", "general"));
      const page = await store.query("factories", { partitionKey: "acme" });
      expect(page.items.map((i) => i.doc.id)).toEqual(["f-1"]);
      const all = await store.query("factories", { orderBy: { field: "id", direction: "asc" } });
      expect(all.items.map((i) => i.doc.id)).toEqual(["f-1", "f-2"]);
    });

    it("counts every operation by kind and estimates request units", async () => {
      const before = store.stats();
      const created = await store.create("jobs", job("s"));
      await store.get("jobs", "s", "s");
      await store.replace("jobs", job("s", { retries: 1 }), created.etag);
      await store.upsert("factories", factory("f", "acme", "general"));
      await store.query("jobs", {});
      await store.delete("factories", "f", "acme");
      const after = store.stats();
      for (const kind of ["create", "read", "replace", "upsert", "query", "delete"] as const) expect(after.ops[kind] - before.ops[kind]).toBe(1);
      expect(after.estimatedRu).toBeGreaterThan(before.estimatedRu + 20);
    });
  });
}
