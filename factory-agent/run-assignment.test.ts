import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { AssignmentMessage, JobDoc } from "../contracts/index.js";
import { queuedJob } from "../test/support/job-fixture.js";
import { ManualTime } from "./engines/manual-time.js";
import type { Engine, EngineContext } from "./engines/port.js";
import { SimEngine } from "./engines/sim-engine.js";
import { FakeCoordinatorPort, STALE_EPOCH } from "./fake-coordinator-port.js";
import { AttemptRunner } from "./run-assignment.js";

const LEASE_MS = 30_000;
const logger = pino({ level: "silent" });

function acceptedJob(time: ManualTime, overrides: Partial<JobDoc> = {}): JobDoc {
  const now = time.now();
  return queuedJob({
    stage: "building",
    leaseEpoch: 4,
    attempts: 1,
    lease: { pool: "general", factoryId: "f1", assignedAt: now - 100, acceptBy: now + 60_000, acceptedAt: now, expiresAt: now + LEASE_MS, renewals: 0 },
    ...overrides,
  });
}

function messageOf(job: JobDoc): AssignmentMessage {
  return { kind: "assignment", version: 1, jobId: job.id, productId: job.productId, epoch: job.leaseEpoch, pool: "general", priority: job.priority, capabilities: job.capabilities, acceptBy: job.lease!.acceptBy, attempt: 1 };
}

describe("AttemptRunner on a manual clock", () => {
  let time: ManualTime;
  afterEach(() => {
    // Every renewal interval and budget timer the runner set is cleared when the attempt ends.
    expect(time.pendingTimers()).toBe(0);
  });

  const start = (overrides: Partial<JobDoc> = {}, durationMs = 60_000) => {
    time = new ManualTime();
    const job = acceptedJob(time, overrides);
    const coordinator = new FakeCoordinatorPort(job, () => time.now());
    // The sim engine, and a look at the context the runner hands it.
    const sim = new SimEngine({ durationMs, failureRate: 0, crashRate: 0 });
    const contexts: EngineContext[] = [];
    const engine: Engine = {
      name: "spied-sim",
      run: (j, context) => {
        contexts.push(context);
        return sim.run(j, context);
      },
      checkpoint: (j) => sim.checkpoint(j),
    };
    const runner = new AttemptRunner(job, messageOf(job), coordinator, engine, {
      workDir: ".tmp/runner-test",
      defaultWallMs: 3_600_000,
      logger,
      clock: time,
      timers: time,
    });
    return { job, coordinator, runner, contexts, ended: runner.run() };
  };

  it("renews at a third of the lease, reports each stage change once and releases shipped", async () => {
    const { coordinator, ended } = start({}, 54_000);
    await time.advance(54_000);
    expect(await ended).toBe("released");
    expect(coordinator.of("renew").map((c) => c.at - Date.UTC(2026, 0, 1))).toEqual([10_000, 20_000, 30_000, 40_000, 50_000]);
    // "building" is the stage the accept already set: only the changes are reported.
    expect(coordinator.of("report").map((c) => c.stage)).toEqual(["review", "testing"]);
    const [release] = coordinator.of("release");
    expect(release?.body).toMatchObject({ leaseEpoch: 4, outcome: "shipped" });
    expect(release?.at).toBe(Date.UTC(2026, 0, 1) + 54_000);
  });

  it("stops the engine and drops the attempt without releasing when a renewal is fenced (STALE_EPOCH)", async () => {
    const { coordinator, contexts, ended } = start();
    coordinator.refuse = (call) => (call.op === "renew" && coordinator.of("renew").length >= 2 ? STALE_EPOCH : undefined);
    await time.advance(20_000);
    expect(await ended).toBe("fenced");
    // The engine was told to stop, as on a drain (engines know only budget and drain).
    expect(contexts[0]?.signal.aborted).toBe(true);
    expect(contexts[0]?.abortReason()).toBe("drain");
    expect(coordinator.of("release")).toEqual([]);
    // The fenced runner writes nothing more for the job: no report after the rejection.
    const fencedAt = coordinator.of("renew")[1]!.at;
    expect(coordinator.calls.filter((c) => c.at > fencedAt)).toEqual([]);
    await time.advance(60_000);
    expect(coordinator.calls.filter((c) => c.at > fencedAt)).toEqual([]);
  });

  it("on drain stops the engine, checkpoints and releases 'drained' with the checkpoint", async () => {
    const { job, coordinator, runner, ended } = start();
    await time.advance(15_000);
    runner.drain();
    expect(await ended).toBe("released");
    const [release] = coordinator.of("release");
    expect(release?.body).toEqual({ leaseEpoch: 4, outcome: "drained", message: "drained on scale-in", checkpoint: { ref: `wip/${job.id}`, note: "simulated checkpoint" } });
    expect(release?.at).toBe(Date.UTC(2026, 0, 1) + 15_000);
  });

  it("on a renewal answered with 'stop' stops the engine as a drain, checkpoints and releases 'drained' with the checkpoint", async () => {
    const { job, coordinator, contexts, ended } = start();
    coordinator.renewDirectives = () =>
      coordinator.of("renew").length >= 2 ? { stop: { reason: "preempted", message: "critical job j-c needs this seat", preemptor: "j-c" } } : {};
    await time.advance(20_000);
    expect(await ended).toBe("released");
    expect(contexts[0]?.signal.aborted).toBe(true);
    expect(contexts[0]?.abortReason()).toBe("drain");
    const [release] = coordinator.of("release");
    expect(release?.body).toEqual({
      leaseEpoch: 4,
      outcome: "drained",
      message: "stopped by the coordinator (preempted): critical job j-c needs this seat",
      checkpoint: { ref: `wip/${job.id}`, note: "simulated checkpoint" },
    });
    // Released at the second renewal (a third and two thirds of the lease), nothing after it.
    expect(release?.at).toBe(Date.UTC(2026, 0, 1) + 20_000);
    expect(coordinator.of("renew")).toHaveLength(2);
    await time.advance(60_000);
    expect(coordinator.calls.filter((c) => c.at > release!.at)).toEqual([]);
  });

  it("passes on what an interrupted run cost when it releases 'drained'", async () => {
    time = new ManualTime();
    const job = acceptedJob(time);
    const coordinator = new FakeCoordinatorPort(job, () => time.now());
    coordinator.renewDirectives = () => ({ stop: { reason: "product-paused", message: "product acme is paused with mode 'stop'" } });
    const engine: Engine = {
      name: "costly",
      run: async (_job, context) => {
        await context.timers.sleep(60_000, context.signal).catch(() => undefined);
        return { kind: "retryable", message: "interrupted", insights: { costUsd: 1.25 } };
      },
      checkpoint: async () => ({ ref: "wip/partial" }),
    };
    const runner = new AttemptRunner(job, messageOf(job), coordinator, engine, { workDir: ".tmp/runner-test", defaultWallMs: 3_600_000, logger, clock: time, timers: time });
    const ended = runner.run();
    await time.advance(10_000);
    expect(await ended).toBe("released");
    expect(coordinator.of("release")[0]?.body).toMatchObject({ outcome: "drained", checkpoint: { ref: "wip/partial" }, insights: { costUsd: 1.25 } });
  });

  it("aborts the engine when the job's wall-clock budget runs out and releases it as retryable", async () => {
    const { coordinator, contexts, ended } = start({ budget: { wallSeconds: 5 } });
    await time.advance(5_000);
    expect(await ended).toBe("released");
    expect(contexts[0]?.wallBudgetMs).toBe(5_000);
    expect(contexts[0]?.abortReason()).toBe("budget");
    const [release] = coordinator.of("release");
    expect(release?.body).toMatchObject({ leaseEpoch: 4, outcome: "retryable", message: "wall-clock budget of 5000 ms exceeded" });
    expect(release?.at).toBe(Date.UTC(2026, 0, 1) + 5_000);
  });

  it("reports 'fenced' when the release itself is rejected because the job moved on", async () => {
    const { coordinator, ended } = start({}, 6_000);
    coordinator.refuse = (call) => (call.op === "release" ? { ok: false, status: 404, code: "NOT_FOUND", message: "no lease held by this factory" } : undefined);
    await time.advance(6_000);
    expect(await ended).toBe("fenced");
    expect(coordinator.of("release")).toHaveLength(1);
  });
});
