import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { isStoreError } from "../../store/port.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { type CosmosProcess, startCosmosProcess } from "./cosmos-process.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

const processes: CosmosProcess[] = [];
const stores: CosmosStore[] = [];
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cosmos-process-"));
  dirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startCosmosProcess>[0]): Promise<CosmosProcess> {
  const peer = await startCosmosProcess(options);
  processes.push(peer);
  return peer;
}

function storeOf(peer: CosmosProcess, options: Partial<ConstructorParameters<typeof CosmosStore>[0]> = {}): CosmosStore {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: "fleet-process", local: true, requestTimeoutMs: 5000, ...options });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const peer of processes.splice(0)) await peer.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", TSX, CLI, ...args], { cwd, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
}

describe("the Cosmos peer as its own process", () => {
  it("prints its options for --help and exits 0 without listening or touching the data directory", async () => {
    const dir = await freshDir();
    const dataDir = join(dir, "never-created");
    const { code, stdout, stderr } = await runCli(["--help", "--port", "0", "--data-dir", dataDir], dir);
    expect(code).toBe(0);
    for (const option of ["--host", "--port", "--data-dir", "--in-memory", "--ru-per-second", "--compact-at", "--help"]) expect(stdout).toContain(option);
    expect(stdout).not.toMatch(/^http:\/\//m);
    expect(stderr).toBe("");
    expect(await readdir(dir)).toEqual([]);
  });

  it("exits 2 with the reason and the usage on a bad option", async () => {
    const dir = await freshDir();
    const unknown = await runCli(["--prot", "8081"], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--prot/);
    expect(unknown.stderr).toContain("Usage:");
    const both = await runCli(["--in-memory", "--data-dir", join(dir, "d")], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--in-memory and --data-dir exclude each other/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("loses no acknowledged write when killed with SIGKILL in the middle of a stream of concurrent writes", async () => {
    const dataDir = join(await freshDir(), "data");
    const peer = await start({ dataDir });
    const store = storeOf(peer);
    await store.init();

    // Each writer creates a job and then replaces it once; `acked` holds the etag of the last
    // acknowledged write per id, `inFlight` the ids with a write whose reply had not come.
    const acked = new Map<string, string>();
    const inFlight = new Set<string>();
    let killed = false;
    const writer = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const id = `w${w}-${i}`;
        try {
          inFlight.add(id);
          const created = await store.create("jobs", jobDoc(id));
          acked.set(id, created.etag);
          const replaced = await store.replace("jobs", jobDoc(id, { attempts: 1 }), created.etag);
          acked.set(id, replaced.etag);
          inFlight.delete(id);
        } catch {
          return;
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    const deadline = Date.now() + 20_000;
    while (acked.size < 300) {
      if (Date.now() > deadline) throw new Error(`only ${acked.size} writes were acknowledged in 20 s:\n${peer.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await peer.kill("SIGKILL");
    killed = true;
    await Promise.all(writers);
    expect(peer.child.signalCode).toBe("SIGKILL");
    expect(inFlight.size).toBeGreaterThan(0);
    // The writers' concurrent writes travelled grouped: acknowledged bulk operations survive too.
    expect(store.writeStats().bulkOperations).toBeGreaterThan(100);

    const restarted = await start({ dataDir });
    const after = storeOf(restarted);
    await after.init();
    let lost = 0;
    for (const [id, etag] of acked) {
      const stored = await after.get("jobs", id, id);
      if (inFlight.has(id)) {
        // The write in flight may or may not have made it; the acknowledged create did.
        expect(stored, id).toBeDefined();
        continue;
      }
      if (stored?.etag !== etag) lost++;
    }
    expect(lost).toBe(0);
  });

  it("stops on SIGTERM with exit code 0 after the last fsync, and comes back with its state", async () => {
    const dataDir = join(await freshDir(), "data");
    const peer = await start({ dataDir });
    const store = storeOf(peer);
    await store.init();
    const written = await Promise.all(Array.from({ length: 40 }, (_, i) => store.upsert("jobs", jobDoc(`t-${i}`))));
    await peer.stop();
    expect(peer.child.exitCode).toBe(0);
    expect(await readdir(dataDir)).not.toContain("LOCK");

    const again = await start({ dataDir });
    const after = storeOf(again);
    await after.init();
    for (const { doc, etag } of written) expect((await after.get("jobs", doc.id, doc.id))?.etag).toBe(etag);
  });

  it("in memory, writes nothing to disk: its working, home and temporary directories stay empty", async () => {
    const root = await freshDir();
    const [cwd, home, temp] = ["cwd", "home", "tmp"].map((name) => join(root, name));
    for (const dir of [cwd, home, temp]) await mkdir(dir!);
    // tsx caches what it compiles in the temporary directory unless told not to.
    const peer = await start({ cwd: cwd!, env: { PATH: process.env.PATH, HOME: home, TMPDIR: temp, TSX_DISABLE_CACHE: "1" } });
    const store = storeOf(peer);
    await store.init();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsert("jobs", jobDoc(`m-${i}`))));
    expect((await store.get("jobs", "m-3", "m-3"))?.doc.id).toBe("m-3");
    await peer.stop();
    expect(peer.child.exitCode).toBe(0);
    for (const dir of [cwd, home, temp]) expect(await readdir(dir!), dir).toEqual([]);
  });

  it("answers 429 with a retry-after past --ru-per-second", async () => {
    const peer = await start({ ruPerSecond: 5 });
    const store = storeOf(peer, { throttleRetries: { maxAttempts: 0, maxWaitSeconds: 0 } });
    await store.init();
    // A ~3 KB write costs 20 RU: it overdraws a 5 RU/s budget by 15 RU, three seconds of it.
    const large = (id: string) => jobDoc(id, { bodyMd: "x".repeat(3000) });
    await store.upsert("jobs", large("r-1"));
    const refused = await store.upsert("jobs", large("r-2")).catch((error: unknown) => error);
    expect(isStoreError(refused, "throttled"), String(refused)).toBe(true);
    expect((refused as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(2000);
    expect((refused as { retryAfterMs?: number }).retryAfterMs).toBeLessThanOrEqual(3000);
  });
});
