import { describe, expect, it } from "vitest";
import { JobDoc, type RetryPolicy } from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { acceptLease } from "./accept-lease.js";
import { assignJob } from "./assign-job.js";
import { retryDelayMs } from "./job-retry-schedule.js";
import { leaseLossLimit } from "./lose-lease.js";
import { applyOperatorAction } from "./operator-action.js";
import { reapLease } from "./reap-lease.js";
import { releaseLease } from "./release-lease.js";
import { reportStage } from "./report-stage.js";

const LEASE_MS = 10_000;
const POLICY: RetryPolicy = { max: 3, backoffSeconds: 1, backoffMaxSeconds: 4 };

/** Assigns and accepts the job's next attempt at `now`; returns it running and the time. */
function run(job: JobDoc, now: number, factoryId = `f-${job.attempts + 1}`): JobDoc {
  const assigned = assignJob(job, { pool: "general", acceptTimeoutMs: 20_000 }, now);
  return acceptLease(assigned, { epoch: assigned.leaseEpoch, factoryId, pool: "general", leaseMs: LEASE_MS }, now);
}

/** The worker dies: the reaper finds the lease expired. */
function die(running: JobDoc, at: number): JobDoc {
  return reapLease(running, at);
}

/** Loses `times` leases in a row, starting at `t`; returns the job and the time after. */
function loseLeases(job: JobDoc, times: number, t: number): { job: JobDoc; t: number } {
  let current = job;
  let now = t;
  for (let i = 0; i < times; i++) {
    current = die(run(current, now), now + LEASE_MS);
    now = Math.max(now + LEASE_MS, current.notBefore ?? 0) + 1;
  }
  return { job: current, t: now };
}

describe("a lost lease is not a failure", () => {
  const T0 = 1_000_000;

  it("requeues without consuming a retry, with the checkpoint kept and the retry delay of the n-th loss", () => {
    const running = reportStage(run(queuedJob({ retry: POLICY }), T0), { epoch: 1, factoryId: "f-1", stage: "review", checkpoint: { ref: "wip" }, leaseMs: LEASE_MS }, T0 + 5);
    const lost = die(running, T0 + 5 + LEASE_MS);
    expect(lost.stage).toBe("queued");
    expect(lost.leaseEpoch).toBe(2);
    expect(lost.retries).toBe(0);
    expect(lost.leaseLosses).toBe(1);
    expect(lost.checkpoint).toEqual({ ref: "wip" });
    expect(lost.notBefore).toBe(T0 + 5 + LEASE_MS + retryDelayMs(POLICY, 1));
    expect(lost.runs.at(-1)?.result).toBe("expired");
    expect(JobDoc.safeParse(lost).success).toBe(true);
    const twice = loseLeases(lost, 1, lost.notBefore! + 1).job;
    expect(twice.leaseLosses).toBe(2);
    expect(twice.notBefore! - twice.updatedAt).toBe(retryDelayMs(POLICY, 2));
  });

  it("takes work that loses its lease on retry.max + 2 attempts in a row for poison", () => {
    expect(leaseLossLimit(POLICY)).toBe(4);
    const survived = loseLeases(queuedJob({ retry: POLICY }), 4, T0);
    expect(survived.job.stage).toBe("queued");
    expect(survived.job.leaseLosses).toBe(4);
    const poison = loseLeases(survived.job, 1, survived.t).job;
    expect(poison.stage).toBe("dead_letter");
    expect(poison.deadLetter).toMatchObject({ source: "retries", reason: "LeaseLostRepeatedly", pool: "general", epoch: poison.leaseEpoch });
    expect(poison.attempts).toBe(5);
    expect(poison.retries).toBe(0);
    expect(JobDoc.safeParse(poison).success).toBe(true);
    // With no retries allowed, the second lost lease in a row dead-letters.
    expect(loseLeases(queuedJob({ retry: { ...POLICY, max: 0 } }), 2, T0).job.stage).toBe("dead_letter");
    expect(loseLeases(queuedJob({ retry: { ...POLICY, max: 0 } }), 1, T0).job.stage).toBe("queued");
  });

  it("ends the run of lost leases when a worker answers: a failure it reports counts as a retry, the losses start over", () => {
    const { job: lostThree, t } = loseLeases(queuedJob({ retry: POLICY }), 3, T0);
    const failed = releaseLease(run(lostThree, t, "f-x"), { leaseEpoch: lostThree.leaseEpoch + 1, outcome: "retryable", message: "tests failed" }, "f-x", t + 1);
    expect(failed.stage).toBe("queued");
    expect(failed.retries).toBe(1);
    expect(failed.leaseLosses).toBeUndefined();
    // Four more lost leases are still within the limit: failures and lost leases never add up.
    const after = loseLeases(failed, 4, Math.max(t + 2, failed.notBefore ?? 0) + 1).job;
    expect(after.stage).toBe("queued");
    expect(after.leaseLosses).toBe(4);
    expect(after.retries).toBe(1);
  });

  it("ends the run of lost leases on a drain, and an operator's replay starts both counts over", () => {
    const { job: lostTwo, t } = loseLeases(queuedJob({ retry: POLICY }), 2, T0);
    const running = run(lostTwo, t, "f-d");
    const drained = releaseLease(running, { leaseEpoch: running.leaseEpoch, outcome: "drained" }, "f-d", t + 1);
    expect(drained.leaseLosses).toBeUndefined();
    expect(drained.retries).toBe(0);
    const { job: dead } = loseLeases(drained, 5, t + 2);
    expect(dead.stage).toBe("dead_letter");
    const replayed = applyOperatorAction(dead, "requeue", t + 1_000_000, "replayed from dead letters");
    expect(replayed.stage).toBe("queued");
    expect(replayed.leaseLosses).toBeUndefined();
    expect(replayed.retries).toBe(0);
    expect(loseLeases(replayed, 1, t + 1_000_001).job.leaseLosses).toBe(1);
  });

  it("still dead-letters failures the worker reports after retry.max retries (RetriesExhausted)", () => {
    let job = queuedJob({ retry: POLICY });
    let t = T0;
    for (let attempt = 1; attempt <= 4; attempt++) {
      const running = run(job, t, "f");
      job = releaseLease(running, { leaseEpoch: running.leaseEpoch, outcome: "retryable", message: "boom" }, "f", t + 1);
      t = Math.max(t + 2, job.notBefore ?? 0) + 1;
    }
    expect(job.stage).toBe("dead_letter");
    expect(job.deadLetter?.reason).toBe("RetriesExhausted");
  });
});
