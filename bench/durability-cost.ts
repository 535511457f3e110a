import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckpointDoc } from "../contracts/index.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { CosmosStore } from "../store/cosmos/cosmos-store.js";

export interface DurabilityCostOptions {
  /** Upserts per run (each mode runs sequentially, then concurrently). Default 2,000. */
  writes?: number;
  /** Upserts in flight in the concurrent run. Default 32. */
  concurrency?: number;
  /** JSON size of each document. Default 1,024 bytes. */
  documentBytes?: number;
  /** Where the journalled peer's data directory is made (a fresh one, removed after). Default the OS temp dir. */
  parentDir?: string;
}

export interface WriteFigures {
  writes: number;
  writesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Journal fsyncs per acknowledged write (journalled mode only). */
  fsyncsPerWrite?: number;
}

export interface ModeFigures {
  sequential: WriteFigures;
  concurrent: WriteFigures;
}

export interface DurabilityCost {
  documentBytes: number;
  concurrency: number;
  inMemory: ModeFigures;
  /** `onDisk`: the directory the data directory was made in (its file system decides the fsync cost). */
  journalled: ModeFigures & { onDisk: string };
}

/**
 * What durability costs a writer: CosmosStore upserts of `documentBytes` documents through the real
 * SDK to the embedded peer, one at a time and `concurrency` at a time, with the state in memory
 * and with the journal (each reply after an fdatasync, group-committed).
 */
export async function measureDurabilityCost(options: DurabilityCostOptions = {}): Promise<DurabilityCost> {
  const writes = options.writes ?? 2000;
  const concurrency = options.concurrency ?? 32;
  const documentBytes = options.documentBytes ?? 1024;
  // A throwaway first pass, so the mode measured first does not pay for warming up the JIT.
  await measureMode(await startEmbeddedCosmos(), Math.min(writes, 1000), concurrency, documentBytes);
  const inMemory = await measureMode(await startEmbeddedCosmos(), writes, concurrency, documentBytes);
  const parentDir = options.parentDir ?? tmpdir();
  const dir = await mkdtemp(join(parentDir, "fleet-bench-cosmos-"));
  try {
    const journalled = await measureMode(await startEmbeddedCosmos({ dataDir: join(dir, "data") }), writes, concurrency, documentBytes);
    return { documentBytes, concurrency, inMemory, journalled: { ...journalled, onDisk: parentDir } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureMode(peer: EmbeddedCosmos, writes: number, concurrency: number, documentBytes: number): Promise<ModeFigures> {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: "bench-durability", local: true });
  try {
    await store.init();
    await run(store, peer, "warm-up", Math.min(200, writes), concurrency, documentBytes);
    const sequential = await run(store, peer, "seq", writes, 1, documentBytes);
    const concurrent = await run(store, peer, "par", writes, concurrency, documentBytes);
    return { sequential, concurrent };
  } finally {
    await store.close();
    await peer.close();
  }
}

async function run(store: CosmosStore, peer: EmbeddedCosmos, prefix: string, writes: number, concurrency: number, documentBytes: number): Promise<WriteFigures> {
  const fsyncsBefore = peer.stats().journal?.fsyncs;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < writes) {
        const doc = documentOf(`${prefix}-${next++}`, documentBytes);
        const sent = performance.now();
        await store.upsert("checkpoints", doc);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const fsyncsAfter = peer.stats().journal?.fsyncs;
  return {
    writes,
    writesPerSecond: Math.round(writes / seconds),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    ...(fsyncsBefore === undefined || fsyncsAfter === undefined ? {} : { fsyncsPerWrite: round((fsyncsAfter - fsyncsBefore) / writes) }),
  };
}

/** A checkpoint document padded so its JSON is exactly `bytes` long. */
function documentOf(id: string, bytes: number): CheckpointDoc {
  const base = CheckpointDoc.parse({ id, productId: "fleet", data: { pad: "" }, updatedAt: Date.now() });
  const missing = Math.max(0, bytes - JSON.stringify(base).length);
  return { ...base, data: { pad: "x".repeat(missing) } };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
