import { describe, expect, it } from "vitest";
import { JobDoc, Stage } from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { acceptLease } from "./accept-lease.js";
import { assignJob } from "./assign-job.js";
import { applyOperatorAction } from "./operator-action.js";
import { reapLease } from "./reap-lease.js";
import { releaseLease } from "./release-lease.js";
import { reportStage } from "./report-stage.js";
import { retryDelayMs } from "./job-retry-schedule.js";
import { TRANSITIONS, canTransition } from "./transitions.js";

const T0 = 1_000_000;
const accepted = () => acceptLease(assignJob(queuedJob(), { pool: "general", acceptTimeoutMs: 60_000 }, T0), { epoch: 1, factoryId: "f1", pool: "general", leaseMs: 30_000 }, T0 + 1);

describe("the transition table", () => {
  it("lets only the coordinator assign and only a factory accept", () => {
    expect(canTransition("queued", "assigned", "coordinator")).toBe(true);
    expect(canTransition("queued", "assigned", "operator")).toBe(false);
    expect(canTransition("assigned", "building", "factory")).toBe(true);
    expect(canTransition("assigned", "building", "coordinator")).toBe(false);
  });

  it("never leaves a terminal stage except through an operator requeue", () => {
    for (const rule of TRANSITIONS) {
      const terminalFrom = rule.from.filter((s) => ["shipped", "failed", "dead_letter", "cancelled"].includes(s));
      if (terminalFrom.length > 0) {
        expect(rule.to).toBe("queued");
        expect(rule.actors).toEqual(["operator"]);
      }
    }
  });

  it("only names real stages", () => {
    for (const rule of TRANSITIONS) for (const s of [...rule.from, rule.to]) expect(Stage.options).toContain(s);
  });
});

describe("lifecycle decisions", () => {
  it("assigns with one change: stage, epoch + 1, lease with accept deadline, outbox marker, event", () => {
    const job = assignJob(queuedJob(), { pool: "general", acceptTimeoutMs: 60_000 }, T0);
    expect(job.stage).toBe("assigned");
    expect(job.leaseEpoch).toBe(1);
    expect(job.lease).toEqual({ pool: "general", assignedAt: T0, acceptBy: T0 + 60_000, renewals: 0 });
    expect(job.outbox).toEqual({ epoch: 1, pool: "general", at: T0 });
    expect(job.events.at(-1)?.type).toBe("assigned");
    expect(JobDoc.safeParse(job).success).toBe(true);
  });

  it("treats a repeated accept by the same factory as a no-op and by another as LEASE_TAKEN", () => {
    const job = accepted();
    expect(acceptLease(job, { epoch: 1, factoryId: "f1", pool: "general", leaseMs: 30_000 }, T0 + 2)).toBe(job);
    expect(() => acceptLease(job, { epoch: 1, factoryId: "f2", pool: "general", leaseMs: 30_000 }, T0 + 2)).toThrow(/already accepted/);
  });

  it("does not write a report of the stage the job is already in", () => {
    const job = accepted();
    expect(reportStage(job, { epoch: 1, factoryId: "f1", stage: "building", leaseMs: 30_000 }, T0 + 5)).toBe(job);
  });

  it("bumps the epoch and keeps the checkpoint on every return to queued", () => {
    const withCheckpoint = reportStage(accepted(), { epoch: 1, factoryId: "f1", stage: "review", checkpoint: { ref: "wip" }, leaseMs: 30_000 }, T0 + 5);
    const drained = releaseLease(withCheckpoint, { leaseEpoch: 1, outcome: "drained" }, "f1", T0 + 10);
    expect(drained.stage).toBe("queued");
    expect(drained.leaseEpoch).toBe(2);
    expect(drained.checkpoint).toEqual({ ref: "wip" });
    expect(drained.retries).toBe(0);
    const requeued = applyOperatorAction(withCheckpoint, "requeue", T0 + 10);
    expect(requeued.leaseEpoch).toBe(2);
    expect(requeued.checkpoint).toEqual({ ref: "wip" });
  });

  it("backs off 'later' without consuming a retry", () => {
    const later = releaseLease(accepted(), { leaseEpoch: 1, outcome: "later", laterSeconds: 120 }, "f1", T0 + 10);
    expect(later.stage).toBe("queued");
    expect(later.notBefore).toBe(T0 + 10 + 120_000);
    expect(later.retries).toBe(0);
  });

  it("fails non-retryable releases and ships shipped ones", () => {
    expect(releaseLease(accepted(), { leaseEpoch: 1, outcome: "non_retryable", message: "bad spec" }, "f1", T0 + 10).stage).toBe("failed");
    const shipped = releaseLease(accepted(), { leaseEpoch: 1, outcome: "shipped" }, "f1", T0 + 10);
    expect(shipped.stage).toBe("shipped");
    expect(shipped.lease).toBeUndefined();
    expect(shipped.runs[0]?.result).toBe("shipped");
  });

  it("reaps only when the coordinator's clock passes the deadline", () => {
    const job = accepted();
    expect(reapLease(job, T0 + 1 + 29_999)).toBe(job);
    const reaped = reapLease(job, T0 + 1 + 30_000);
    expect(reaped.stage).toBe("queued");
    expect(reapLease(reaped, T0 + 1 + 30_001)).toBe(reaped);
  });

  it("grows the backoff exponentially up to the cap", () => {
    const policy = { max: 5, backoffSeconds: 10, backoffMaxSeconds: 45 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n))).toEqual([10_000, 20_000, 40_000, 45_000]);
  });
});
