import type { JobDoc } from "../../contracts/index.js";
import { loseLease } from "./lose-lease.js";
import { requeueJob } from "./requeue.js";
import { updateRun } from "./runs.js";

/**
 * What the reaper does with a job at `now`, or the same object when nothing is due. Lease expiry
 * is decided by the coordinator's clock only; a factory's clock never matters.
 * - assigned and not accepted by `acceptBy`: requeued at once (epoch + 1) without consuming a
 *   retry (no factory ever started it; a poison message is caught by the broker's delivery count).
 * - accepted and not renewed by `expiresAt`: a lost lease (lose-lease.ts): requeued with backoff
 *   and the checkpoint kept, without consuming a retry; dead_letter after too many in a row.
 * A deadline is due at its instant (`now >= deadline`), the same rule the deadline queue uses.
 * Idempotent: the result of a reap is never due again at the same `now`.
 */
export function reapLease(job: JobDoc, now: number): JobDoc {
  const lease = job.lease;
  if (lease === undefined) return job;
  if (job.stage === "assigned" && lease.factoryId === undefined) {
    if (now < lease.acceptBy) return job;
    return requeueJob(job, now, { actor: "coordinator", reason: "accept deadline passed", consumeRetry: false });
  }
  if (lease.expiresAt === undefined || now < lease.expiresAt) return job;
  const closed = updateRun(job, job.leaseEpoch, (run) => ({ ...run, endedAt: now, result: "expired" }));
  return loseLease(closed, now);
}

/** When the reaper next needs to look at this job, if ever. */
export function leaseDeadline(job: JobDoc): number | undefined {
  const lease = job.lease;
  if (lease === undefined) return undefined;
  if (job.stage === "assigned" && lease.factoryId === undefined) return lease.acceptBy;
  return lease.expiresAt;
}
