import type { JobDoc, ReleaseLeaseBody, ReviewPolicyPatch, RunResult } from "../../contracts/index.js";
import { assertOwnArtifacts } from "./artifact-pointers.js";
import { assertLeaseHolder } from "./fencing.js";
import { finishJob } from "./finish-job.js";
import { requeueJob } from "./requeue.js";
import { retriesExhausted, retryDelayMs } from "./job-retry-schedule.js";
import { withEvent } from "./job-events.js";
import { withoutLeaseLosses } from "./lose-lease.js";
import { passAttempt } from "./review-gate.js";
import { withRunCost } from "./run-cost.js";
import { runOfEpoch, updateRun } from "./runs.js";

const RESULT_OF: Readonly<Record<ReleaseLeaseBody["outcome"], RunResult>> = {
  shipped: "shipped",
  retryable: "retryable",
  non_retryable: "non_retryable",
  later: "later",
  drained: "drained",
};

/**
 * The lease holder ends its attempt. The lease MUST be released once the job has been attempted;
 * the outcome decides what follows:
 * - shipped: the attempt passed; the job ships, awaits its reviewers at `review`, or rests at
 *   `testing`, as its review policy says (review-gate.ts, `productPolicy` the product's part).
 * - non_retryable: failed.
 * - retryable (the default for a failure): requeued after backoff, or dead_letter with reason
 *   RetriesExhausted once the retry policy is used up.
 * - later: requeued after `laterSeconds` (or the backoff) without consuming a retry.
 * - drained (scale-in, a stop, a preemption): requeued at once with the checkpoint, without
 *   consuming a retry; when the job was chosen as a preemption victim, a `preempted` event names
 *   victim and preemptor and the job's preemption count goes up.
 * Whatever the outcome, the run's reported `costUsd` is accrued on the job in this same change
 * (withRunCost): shipped and failed runs both cost, and a retried release accrues nothing twice.
 * Every release is a worker's answer for its attempt, so it ends a run of lost leases (lose-lease.ts).
 * The run records the deliverable the engine reported (branch, commit, pull request URL) and the
 * artifact pointers, which must stay inside the attempt's own folder (artifact-pointers.ts).
 * A release repeated with the same epoch and outcome (a retried request) returns the job unchanged.
 */
export function releaseLease(job: JobDoc, body: ReleaseLeaseBody, factoryId: string, now: number, productPolicy?: ReviewPolicyPatch): JobDoc {
  const previous = runOfEpoch(job, body.leaseEpoch);
  if (previous !== undefined && previous.factoryId === factoryId && previous.result === RESULT_OF[body.outcome]) {
    return job;
  }
  assertLeaseHolder(job, body.leaseEpoch, factoryId, now);
  assertOwnArtifacts(job, body.leaseEpoch, body.artifacts);
  const closed = updateRun(job, body.leaseEpoch, (run) => ({
    ...run,
    endedAt: now,
    result: RESULT_OF[body.outcome],
    ...(body.message === undefined ? {} : { message: body.message }),
    ...(body.checkpoint === undefined ? {} : { checkpoint: body.checkpoint }),
    ...(body.insights === undefined ? {} : { insights: body.insights }),
    ...(body.artifacts === undefined ? {} : { artifacts: body.artifacts }),
    ...(body.branch === undefined ? {} : { branch: body.branch }),
    ...(body.commit === undefined ? {} : { commit: body.commit }),
    ...(body.prUrl === undefined ? {} : { prUrl: body.prUrl }),
  }));
  const costed = withRunCost(withoutLeaseLosses(closed), body.insights?.costUsd, now);
  const withCheckpoint: JobDoc = body.checkpoint === undefined ? costed : { ...costed, checkpoint: body.checkpoint };
  switch (body.outcome) {
    case "shipped":
      return passAttempt(withCheckpoint, productPolicy, now);
    case "non_retryable":
      return finishJob(withCheckpoint, "failed", "factory", now, { reason: body.message ?? "non-retryable failure" });
    case "drained": {
      const preemption = job.preemption;
      if (preemption === undefined) return requeueJob(withCheckpoint, now, { actor: "coordinator", reason: body.message ?? "drained on scale-in", consumeRetry: false });
      const requeued = requeueJob({ ...withCheckpoint, preemptions: (job.preemptions ?? 0) + 1 }, now, {
        actor: "coordinator",
        reason: `preempted by critical job ${preemption.by}`,
        consumeRetry: false,
      });
      return withEvent(requeued, "preempted", "coordinator", now, { victim: job.id, preemptor: preemption.by, pool: preemption.pool, checkpoint: requeued.checkpoint !== undefined });
    }
    case "later":
      return requeueJob(withCheckpoint, now, {
        actor: "coordinator",
        reason: "factory asked to run it later",
        consumeRetry: false,
        notBefore: now + (body.laterSeconds !== undefined ? body.laterSeconds * 1000 : retryDelayMs(job.retry, 1)),
      });
    case "retryable":
      return failAttempt(withCheckpoint, now, body.message ?? "retryable failure");
  }
}

/** A failed attempt the worker reported: requeue with backoff, or dead-letter when the retry policy
 * is used up. */
export function failAttempt(job: JobDoc, now: number, reason: string): JobDoc {
  const retriesUsed = job.retries + 1;
  if (retriesExhausted(job.retry, retriesUsed)) {
    return finishJob({ ...job, retries: retriesUsed }, "dead_letter", "coordinator", now, {
      reason: "RetriesExhausted",
      deadLetter: {
        source: "retries",
        reason: "RetriesExhausted",
        description: `${reason}; ${job.retry.max} retries allowed`,
        ...(job.lease === undefined ? {} : { pool: job.lease.pool }),
        epoch: job.leaseEpoch,
        at: now,
      },
    });
  }
  return requeueJob(job, now, {
    actor: "coordinator",
    reason,
    consumeRetry: true,
    notBefore: now + retryDelayMs(job.retry, retriesUsed),
  });
}
