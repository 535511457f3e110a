import { copyFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { type EmbeddedCosmos, type EmbeddedCosmosOptions, startEmbeddedCosmos } from "./embedded-cosmos.js";
import { journalName } from "./journal-file.js";
import { scanRecords } from "./record-codec.js";

const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cosmos-peer-"));
  dirs.push(dir);
  return join(dir, "data");
}

async function peerOn(dataDir: string, options: EmbeddedCosmosOptions = {}): Promise<{ peer: EmbeddedCosmos; store: CosmosStore }> {
  const peer = await startEmbeddedCosmos({ ...options, dataDir });
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: "fleet-recovery", local: true });
  open.push({
    async close() {
      await store.close();
      await peer.close();
    },
  });
  await store.init();
  return { peer, store };
}

async function stop(): Promise<void> {
  while (open.length > 0) await open.pop()?.close();
}

afterEach(async () => {
  await stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Writes jobs one at a time (one journal record each) and returns their etags. */
async function writeJobs(store: CosmosStore, ids: string[]): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  for (const id of ids) etags.set(id, (await store.create("jobs", jobDoc(id))).etag);
  return etags;
}

const range = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

describe("recovering the Cosmos peer's journal", () => {
  it("drops a last record cut short (the file truncated by a few bytes), truncates the journal there, and keeps the rest", async () => {
    const dataDir = await freshDataDir();
    const journal = join(dataDir, journalName(1));
    const first = await peerOn(dataDir);
    const kept = await writeJobs(first.store, range("j", 9));
    const sizeBeforeLast = first.peer.stats().journal!.journalBytes;
    await first.store.create("jobs", jobDoc("j-last"));
    await stop();
    await truncate(journal, (await stat(journal)).size - 3);

    const second = await peerOn(dataDir);
    expect(second.peer.restored?.droppedTail).toMatch(/incomplete record/);
    expect((await stat(journal)).size).toBe(sizeBeforeLast);
    for (const [id, etag] of kept) expect((await second.store.get("jobs", id, id))?.etag, id).toBe(etag);
    expect(await second.store.get("jobs", "j-last", "j-last")).toBeUndefined();
    // Appends continue on a record boundary: what is written now survives the next restart.
    const again = await second.store.create("jobs", jobDoc("j-last"));
    await stop();

    const third = await peerOn(dataDir);
    expect(third.peer.restored?.droppedTail).toBeUndefined();
    expect((await third.store.get("jobs", "j-last", "j-last"))?.etag).toBe(again.etag);
    expect(third.peer.restored?.documents).toBe(10);
  });

  it("refuses to start on damage in the middle of the journal, naming the file and the offset", async () => {
    const dataDir = await freshDataDir();
    const journal = join(dataDir, journalName(1));
    const first = await peerOn(dataDir);
    await writeJobs(first.store, range("j", 10));
    await stop();
    const bytes = await readFile(journal);
    const middle = scanRecords(bytes, journal).records[10]!;
    const damaged = Buffer.from(bytes);
    damaged.writeUInt8(damaged.readUInt8(middle.offset + 40) ^ 0x01, middle.offset + 40);
    await writeFile(journal, damaged);

    const failure = startEmbeddedCosmos({ dataDir });
    await expect(failure).rejects.toThrow(`${journal} is damaged at byte offset ${middle.offset}`);
    // The failed start released the data directory: the same error again, not "in use".
    await expect(startEmbeddedCosmos({ dataDir })).rejects.toThrow(/checksum mismatch, and a valid record follows/);
    expect(await readdir(dataDir)).not.toContain("LOCK");
  });

  it("compacts into a snapshot past the threshold, deletes the old journals, and restarts from snapshot plus journal", async () => {
    const dataDir = await freshDataDir();
    const first = await peerOn(dataDir, { compactAtBytes: 16 * 1024 });
    const etags = await writeJobs(first.store, range("j", 120));
    for (const id of ["j-10", "j-60", "j-119"]) etags.set(id, (await first.store.replace("jobs", jobDoc(id, { attempts: 3 }), etags.get(id)!)).etag);
    for (const id of ["j-11", "j-61", "j-120"]) {
      await first.store.delete("jobs", id, id);
      etags.delete(id);
    }
    expect(first.peer.stats().journal!.compactions).toBeGreaterThanOrEqual(3);
    await stop();
    const files = await readdir(dataDir);
    expect(files.filter((name) => name.startsWith("journal-"))).toHaveLength(1);
    expect(files).toContain("snapshot.dat");

    const second = await peerOn(dataDir, { compactAtBytes: 16 * 1024 });
    expect(second.peer.restored?.snapshotSeq).toBeGreaterThan(0);
    expect(second.peer.restored?.documents).toBe(117);
    for (const [id, etag] of etags) expect((await second.store.get("jobs", id, id))?.etag, id).toBe(etag);
    for (const id of ["j-11", "j-61", "j-120"]) expect(await second.store.get("jobs", id, id)).toBeUndefined();
    expect((await second.store.get("jobs", "j-60", "j-60"))?.doc.attempts).toBe(3);
    // The query order (the package's storage order) survives the snapshot too.
    const firstOrder = (await second.store.query("jobs", {})).items.map((item) => item.doc.id);
    await stop();
    const third = await peerOn(dataDir);
    expect((await third.store.query("jobs", {})).items.map((item) => item.doc.id)).toEqual(firstOrder);
  });

  it("replays once when a crash left journals the snapshot already covers", async () => {
    const dataDir = await freshDataDir();
    const first = await peerOn(dataDir);
    const etags = await writeJobs(first.store, range("j", 30));
    await stop();
    const covered = join(dataDir, "covered.bak");
    await copyFile(join(dataDir, journalName(1)), covered);

    // Any write now passes a 1-byte threshold: the state is compacted, journal 1 deleted.
    const second = await peerOn(dataDir, { compactAtBytes: 1 });
    for (const [id, etag] of await writeJobs(second.store, ["k-1", "k-2"])) etags.set(id, etag);
    await stop();
    expect(await readdir(dataDir)).not.toContain(journalName(1));
    // As if the crash came after the snapshot's rename and before the old journal's deletion.
    await copyFile(covered, join(dataDir, journalName(1)));
    await rm(covered);

    const third = await peerOn(dataDir);
    expect(third.peer.restored?.documents).toBe(32);
    for (const [id, etag] of etags) expect((await third.store.get("jobs", id, id))?.etag, id).toBe(etag);
    await stop();
    expect(await readdir(dataDir)).not.toContain(journalName(1));
  });

  it("refuses to start when journalled ops are missing (a journal whose snapshot is gone)", async () => {
    const dataDir = await freshDataDir();
    const first = await peerOn(dataDir, { compactAtBytes: 1 });
    await writeJobs(first.store, range("j", 3));
    await stop();
    // Ops after the snapshot go to the journal that follows it.
    const second = await peerOn(dataDir);
    await writeJobs(second.store, ["k-1"]);
    await stop();
    await rm(join(dataDir, "snapshot.dat"));
    await expect(startEmbeddedCosmos({ dataDir })).rejects.toThrow(/ops are missing/);
  });
});
