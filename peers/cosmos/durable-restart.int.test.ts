import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BulkOperationType, CosmosClient, type JSONObject, type OperationInput } from "@azure/cosmos";
import { afterEach, describe, expect, it } from "vitest";
import { COLLECTIONS, isStoreError, PARTITION_KEYS } from "../../store/port.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { eventPageDoc, factoryDoc, jobDoc } from "../../store/contract/store-contract-docs.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "./embedded-cosmos.js";

const DATABASE = "fleet-restart";
const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cosmos-peer-"));
  dirs.push(dir);
  return join(dir, "data");
}

async function peerOn(dataDir: string | undefined): Promise<{ peer: EmbeddedCosmos; store: CosmosStore; client: CosmosClient }> {
  const peer = await startEmbeddedCosmos(dataDir === undefined ? {} : { dataDir });
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: DATABASE, local: true });
  const client = new CosmosClient({ endpoint: peer.endpoint, key: peer.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const handle = {
    async close() {
      client.dispose();
      await store.close();
      await peer.close();
    },
  };
  open.push(handle);
  await store.init();
  return { peer, store, client };
}

async function stop(): Promise<void> {
  while (open.length > 0) await open.pop()?.close();
}

afterEach(async () => {
  await stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A domain document as the SDK's JSON body type. */
const body = (doc: object) => doc as unknown as JSONObject;

const SYSTEM = ["_etag", "_rid", "_self", "_ts"] as const;
const systemOf = (resource: Record<string, unknown> | undefined) => Object.fromEntries(SYSTEM.map((name) => [name, resource?.[name]]));

describe("the durable Cosmos peer across a restart", () => {
  it("keeps every document with its etag, _rid, _self and _ts, every container, and every delete", async () => {
    const dataDir = await freshDataDir();
    const first = await peerOn(dataDir);
    const etags = new Map<string, string>();
    for (let i = 1; i <= 20; i++) etags.set(`j-${i}`, (await first.store.create("jobs", jobDoc(`j-${i}`))).etag);
    for (const id of ["j-3", "j-7"]) {
      const replaced = await first.store.replace("jobs", jobDoc(id, { attempts: 2 }), etags.get(id)!);
      etags.set(id, replaced.etag);
    }
    etags.set("j-5", (await first.store.upsert("jobs", jobDoc("j-5", { attempts: 5 }))).etag);
    await first.store.delete("jobs", "j-9", "j-9");
    etags.delete("j-9");
    const factory = await first.store.upsert("factories", factoryDoc("f-1", "acme"));
    const jobs = first.client.database(DATABASE).container("jobs");
    const before = systemOf((await jobs.item("j-3", "j-3").read()).resource);
    await stop();

    const second = await peerOn(dataDir);
    expect(second.peer.restored?.documents).toBe(20);
    for (const [id, etag] of etags) {
      const stored = await second.store.get("jobs", id, id);
      expect(stored?.etag, id).toBe(etag);
    }
    expect((await second.store.get("jobs", "j-3", "j-3"))?.doc.attempts).toBe(2);
    expect((await second.store.get("jobs", "j-5", "j-5"))?.doc.attempts).toBe(5);
    expect(await second.store.get("jobs", "j-9", "j-9")).toBeUndefined();
    expect((await second.store.get("factories", "f-1", "acme"))?.etag).toBe(factory.etag);
    expect((await second.store.query("jobs", {})).items.map((item) => item.doc.id).sort()).toEqual([...etags.keys()].sort());
    const after = systemOf((await second.client.database(DATABASE).container("jobs").item("j-3", "j-3").read()).resource);
    expect(after).toEqual(before);

    const { resources: containers } = await second.client.database(DATABASE).containers.readAll().fetchAll();
    expect(containers.map((c) => c.id).sort()).toEqual([...COLLECTIONS].sort());
    for (const container of containers) expect(container.partitionKey?.paths).toEqual([`/${PARTITION_KEYS[container.id as keyof typeof PARTITION_KEYS]}`]);

    // A document created after the restart gets a _rid of its own, not one handed out before.
    await second.store.create("jobs", jobDoc("j-new"));
    const { resources: all } = await second.client.database(DATABASE).container("jobs").items.readAll().fetchAll();
    expect(new Set(all.map((doc) => doc._rid)).size).toBe(all.length);
  });

  it("accepts a conditional replace with an etag read before the restart, and still refuses a stale one with 412", async () => {
    const dataDir = await freshDataDir();
    const first = await peerOn(dataDir);
    const created = await first.store.create("jobs", jobDoc("j-1"));
    const current = await first.store.replace("jobs", jobDoc("j-1", { attempts: 1 }), created.etag);
    await stop();

    const second = await peerOn(dataDir);
    const stale = await second.store.replace("jobs", jobDoc("j-1", { attempts: 9 }), created.etag).catch((error: unknown) => error);
    expect(isStoreError(stale, "conflict"), String(stale)).toBe(true);
    const next = await second.store.replace("jobs", jobDoc("j-1", { attempts: 2 }), current.etag);
    expect(next.etag).not.toBe(current.etag);
    await stop();

    const third = await peerOn(dataDir);
    const stored = await third.store.get("jobs", "j-1", "j-1");
    expect(stored?.etag).toBe(next.etag);
    expect(stored?.doc.attempts).toBe(2);
  });

  it("journals bulk operations, transactional batches, patches, and container and database deletes", async () => {
    const dataDir = await freshDataDir();
    const first = await peerOn(dataDir);
    const jobs = first.client.database(DATABASE).container("jobs");
    const seeded = await first.store.create("jobs", jobDoc("bulk-replaced"));
    await first.store.create("jobs", jobDoc("bulk-deleted"));
    const operations: OperationInput[] = [
      ...Array.from({ length: 30 }, (_, i) => ({ operationType: BulkOperationType.Create, resourceBody: body(jobDoc(`bulk-${i}`)) })),
      { operationType: BulkOperationType.Upsert, resourceBody: body(jobDoc("bulk-upserted", { attempts: 3 })) },
      { operationType: BulkOperationType.Replace, id: "bulk-replaced", ifMatch: seeded.etag, resourceBody: body(jobDoc("bulk-replaced", { attempts: 4 })) },
      { operationType: BulkOperationType.Delete, id: "bulk-deleted", partitionKey: "bulk-deleted" },
    ];
    const results = await jobs.items.bulk(operations);
    // 30 creates, an upsert that creates, a replace, a delete.
    expect(results.map((result) => result.statusCode)).toEqual([...Array(31).fill(201), 200, 204]);
    // A transactional batch shares one partition: two event pages of one job.
    const events = first.client.database(DATABASE).container("events");
    const batch = await events.items.batch(
      [
        { operationType: BulkOperationType.Create, resourceBody: body(eventPageDoc("batch-job", 0)) },
        { operationType: BulkOperationType.Create, resourceBody: body(eventPageDoc("batch-job", 3)) },
      ],
      "batch-job",
    );
    // Only creates: the peer cannot parse the partition key of other batch operations (README).
    expect(batch.result?.map((result) => result.statusCode)).toEqual([201, 201]);
    const batchEtags = await Promise.all(["batch-job.events.0", "batch-job.events.3"].map(async (id) => (await first.store.get("events", id, "batch-job"))?.etag));
    expect(batchEtags.every((etag) => typeof etag === "string")).toBe(true);
    const patched = await jobs.item("bulk-0", "bulk-0").patch([{ op: "set", path: "/attempts", value: 11 }]);
    const extra = await first.client.database(DATABASE).containers.create({ id: "scratch", partitionKey: { paths: ["/id"] } });
    await extra.container.items.create({ id: "x" });
    await extra.container.delete();
    await first.client.databases.create({ id: "scratch-db" });
    await first.client.database("scratch-db").delete();
    const expected = new Map<string, string | undefined>();
    for (const id of [...Array.from({ length: 30 }, (_, i) => `bulk-${i}`), "bulk-upserted", "bulk-replaced"]) {
      expected.set(id, (await first.store.get("jobs", id, id))?.etag);
    }
    await stop();

    const second = await peerOn(dataDir);
    for (const [id, etag] of expected) expect((await second.store.get("jobs", id, id))?.etag, id).toBe(etag);
    expect(await second.store.get("jobs", "bulk-deleted", "bulk-deleted")).toBeUndefined();
    expect((await second.store.get("jobs", "bulk-upserted", "bulk-upserted"))?.doc.attempts).toBe(3);
    expect((await second.store.get("jobs", "bulk-replaced", "bulk-replaced"))?.doc.attempts).toBe(4);
    expect(await Promise.all(["batch-job.events.0", "batch-job.events.3"].map(async (id) => (await second.store.get("events", id, "batch-job"))?.etag))).toEqual(
      batchEtags,
    );
    expect((await second.store.get("jobs", "bulk-0", "bulk-0"))?.etag).toBe(patched.etag);
    expect((await second.store.get("jobs", "bulk-0", "bulk-0"))?.doc.attempts).toBe(11);
    const { resources: containers } = await second.client.database(DATABASE).containers.readAll().fetchAll();
    expect(containers.map((c) => c.id)).not.toContain("scratch");
    const { resources: databases } = await second.client.databases.readAll().fetchAll();
    expect(databases.map((d) => d.id)).toEqual([DATABASE]);
  });

  it("covers 50 concurrent writes with a few fsyncs (group commit), each acknowledged only once on disk", async () => {
    const { peer, store } = await peerOn(await freshDataDir());
    const before = peer.stats().journal!;
    const written = await Promise.all(Array.from({ length: 50 }, (_, i) => store.upsert("jobs", jobDoc(`c-${i}`))));
    const after = peer.stats().journal!;
    expect(after.ops - before.ops).toBe(50);
    expect(after.fsyncs - before.fsyncs).toBeLessThan(25);
    // Every reply came after its record was synced: the journal is durable through the last op.
    expect(after.durableSeq).toBe(after.lastSeq);
    expect(new Set(written.map((w) => w.etag)).size).toBe(50);
  });

  it("in memory, keeps nothing across a restart and reports no data directory", async () => {
    const first = await peerOn(undefined);
    expect(first.peer.stats()).toEqual({ durability: "memory", connectionsAccepted: expect.any(Number) });
    expect(first.peer.dataDir).toBeUndefined();
    await first.store.create("jobs", jobDoc("j-1"));
    await stop();
    const second = await peerOn(undefined);
    expect(await second.store.get("jobs", "j-1", "j-1")).toBeUndefined();
  });

  it("refuses a second peer on a data directory that one already uses", async () => {
    const dataDir = await freshDataDir();
    await peerOn(dataDir);
    await expect(startEmbeddedCosmos({ dataDir })).rejects.toThrow(/data directory .* is already in use/);
    await stop();
    expect(await readdir(dataDir)).not.toContain("LOCK");
  });
});
