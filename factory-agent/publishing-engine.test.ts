import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attemptLogKey, type JobDoc } from "../contracts/index.js";
import { MemoryArtifactStore } from "../artifacts/memory/memory-artifact-store.js";
import { readAll } from "../artifacts/port.js";
import { queuedJob } from "../test/support/job-fixture.js";
import { AttemptLogUploader } from "./attempt-log-uploader.js";
import { FakeEngineContext } from "./engines/fake-engine-context.js";
import { ManualTime } from "./engines/manual-time.js";
import type { Engine, EngineContext, EngineOutcome } from "./engines/port.js";
import { PublishingEngine } from "./publishing-engine.js";

const logger = pino({ level: "silent" });
const text = async (store: MemoryArtifactStore, key: string) => {
  const read = await store.read(key);
  return read === undefined ? undefined : (await readAll(read.body)).toString("utf8");
};

describe("an attempt's log on its way to the artifact store", () => {
  it("appends what was written every interval while the attempt runs, not only at the end", async () => {
    const time = new ManualTime();
    const store = new MemoryArtifactStore();
    const log = new AttemptLogUploader({ store, key: "acme/j-1/1/attempt.log", timers: time, flushMs: 3000, logger });
    log.start();
    log.write("line 1\n");
    log.write(Buffer.from("line 2\n"));
    expect(await store.stat("acme/j-1/1/attempt.log")).toBeUndefined();
    await time.advance(3000);
    expect(await text(store, "acme/j-1/1/attempt.log")).toBe("line 1\nline 2\n");
    log.write("line 3\n");
    await time.advance(2999);
    expect(await text(store, "acme/j-1/1/attempt.log")).toBe("line 1\nline 2\n");
    await time.advance(1);
    expect(await text(store, "acme/j-1/1/attempt.log")).toBe("line 1\nline 2\nline 3\n");
    log.write("last\n");
    await log.close();
    expect(await text(store, "acme/j-1/1/attempt.log")).toBe("line 1\nline 2\nline 3\nlast\n");
    expect(log.bytes).toBe(26);
    expect(time.pendingTimers()).toBe(0);
    log.write("after close\n");
    expect(log.bytes).toBe(26);
  });

  it("keeps output while the store does not answer, bounded, and says what it dropped", async () => {
    const time = new ManualTime();
    let down = true;
    const store = new MemoryArtifactStore({ down: () => down });
    const log = new AttemptLogUploader({ store, key: "k", timers: time, flushMs: 1000, logger, maxPendingBytes: 10 });
    log.start();
    log.write("aaaa\n");
    await time.advance(1000);
    log.write("bbbb\n");
    log.write("cccc\n");
    await time.advance(1000);
    down = false;
    await time.advance(1000);
    expect(await text(store, "k")).toBe("[fleet] 5 bytes of output were dropped while the artifact store did not answer\nbbbb\ncccc\n");
    await log.close();
  });

  it("stops growing at its limit, with a line saying so", async () => {
    const time = new ManualTime();
    const store = new MemoryArtifactStore();
    const log = new AttemptLogUploader({ store, key: "k", timers: time, flushMs: 1000, logger, maxBytes: 12 });
    log.start();
    log.write("0123456789\n");
    log.write("too much\n");
    log.write("ignored\n");
    await log.close();
    expect(await text(store, "k")).toBe("0123456789\n\n[fleet] log truncated at 12 bytes\n");
  });
});

describe("the publishing engine", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "publishing-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const job = (): JobDoc => queuedJob({ stage: "building", leaseEpoch: 2, attempts: 1 });
  const engineThat = (run: (context: EngineContext) => Promise<EngineOutcome>): Engine => ({ name: "test", run: (_job, context) => run(context), checkpoint: async () => ({ ref: "wip/x" }) });

  it("streams the engine's output and stages to the log while it runs, then uploads its files and points at them", async () => {
    const store = new MemoryArtifactStore();
    const context = new FakeEngineContext({ workDir: dir });
    const report = join(dir, "report.md");
    await writeFile(report, "# all green\n");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inner = engineThat(async (ctx) => {
      await ctx.reportStage("building");
      ctx.log?.write("compiling\n");
      await gate;
      return { kind: "shipped", artifacts: [{ name: "report.md", uri: `file://${report}` }, { name: "dashboard", uri: "https://ci.example/run/1" }, { name: "missing", uri: `file://${join(dir, "nope")}` }] };
    });
    const engine = new PublishingEngine(inner, { store, factoryId: "f-7", flushMs: 2000, logger });
    const running = engine.run(job(), context);
    const key = attemptLogKey("acme", job().id, 2);
    await context.time.advance(2000);
    const live = await text(store, key);
    expect(live).toContain(`[fleet] attempt 1 of k1 (${job().id}, epoch 2) on f-7, engine test`);
    expect(live).toContain("[fleet] stage building\ncompiling\n");
    expect(context.reports.map((r) => r.stage)).toEqual(["building"]);
    release();
    const outcome = await running;
    expect((await text(store, key))?.endsWith("[fleet] shipped at 2026-01-01T00:00:02.000Z\n")).toBe(true);
    expect(outcome.kind).toBe("shipped");
    const artifacts = outcome.kind === "shipped" ? outcome.artifacts! : [];
    expect(artifacts.map((a) => [a.id, a.name, a.kind, a.key])).toEqual([
      [`${job().id}:2:log`, "attempt.log", "log", key],
      [`${job().id}:2:1`, "report.md", "file", `acme/${job().id}/2/files/1-report.md`],
      [undefined, "dashboard", undefined, undefined],
      [undefined, "missing", undefined, undefined],
    ]);
    expect(artifacts[1]).toMatchObject({ bytes: 12, contentType: "text/markdown; charset=utf-8", uploadedAt: context.time.now() });
    expect(await text(store, `acme/${job().id}/2/files/1-report.md`)).toBe("# all green\n");
    expect(context.time.pendingTimers()).toBe(0);
  });

  it("passes checkpoints and 'later' through, and logs an engine that throws", async () => {
    const store = new MemoryArtifactStore();
    const later = new PublishingEngine(
      engineThat(async () => ({ kind: "later", message: "not now" })),
      { store, factoryId: "f", flushMs: 1000, logger },
    );
    expect(await later.run(job(), new FakeEngineContext({ workDir: dir }))).toEqual({ kind: "later", message: "not now" });
    expect(await later.checkpoint(job(), { workDir: dir })).toEqual({ ref: "wip/x" });
    const throwing = new PublishingEngine(
      engineThat(async () => {
        throw new Error("boom");
      }),
      { store, factoryId: "f", flushMs: 1000, logger },
    );
    await expect(throwing.run({ ...job(), leaseEpoch: 3 }, new FakeEngineContext({ workDir: dir }))).rejects.toThrow("boom");
    expect(await text(store, attemptLogKey("acme", job().id, 3))).toContain("[fleet] the engine threw: boom");
  });
});
