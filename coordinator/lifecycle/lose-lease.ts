import type { JobDoc, RetryPolicy } from "../../contracts/index.js";
import { finishJob } from "./finish-job.js";
import { retryDelayMs } from "./job-retry-schedule.js";
import { requeueJob } from "./requeue.js";

/**
 * How many attempts in a row a job may lose its lease before it is taken for poison: as many as
 * its retry policy allows attempts (retry.max + 1). The job is dead-lettered when it loses the
 * next one too.
 */
export function leaseLossLimit(policy: RetryPolicy): number {
  return policy.max + 1;
}

/**
 * The reaper found the job's accepted lease expired: the worker died (crash, kill -9, a node lost)
 * or stalled past its lease (paused, partitioned, its clock running slow), and said nothing. That is
 * not a failure of the job: nothing judged it, and the infrastructure is the likelier cause, so a
 * lost lease consumes NO retry (retries count what workers report: see release-lease.ts). It is
 * counted instead, as consecutive lost leases (`leaseLosses`, reset by any release from a worker
 * and by an operator requeue), because work that kills every worker it lands on also shows up only
 * as lost leases:
 * - up to leaseLossLimit(policy) in a row: requeued (epoch + 1, checkpoint kept) after the job's
 *   retry delay for the n-th loss, so a crash loop backs off;
 * - one more: dead_letter with reason LeaseLostRepeatedly (poison, or a pool that cannot hold a lease).
 */
export function loseLease(job: JobDoc, now: number): JobDoc {
  const losses = (job.leaseLosses ?? 0) + 1;
  const lost: JobDoc = { ...job, leaseLosses: losses };
  if (losses > leaseLossLimit(job.retry)) {
    return finishJob(lost, "dead_letter", "coordinator", now, {
      reason: "LeaseLostRepeatedly",
      deadLetter: {
        source: "retries",
        reason: "LeaseLostRepeatedly",
        description: `the job lost its lease on ${losses} attempts in a row (its worker died or stalled each time); fix the work or the pool, then replay it`,
        ...(job.lease === undefined ? {} : { pool: job.lease.pool }),
        epoch: job.leaseEpoch,
        at: now,
      },
    });
  }
  return requeueJob(lost, now, { actor: "coordinator", reason: "lease expired", consumeRetry: false, notBefore: now + retryDelayMs(job.retry, losses) });
}

/** A worker answered for its attempt (any release): the run of lost leases is over. */
export function withoutLeaseLosses(job: JobDoc): JobDoc {
  if (job.leaseLosses === undefined) return job;
  const next: JobDoc = { ...job };
  delete next.leaseLosses;
  return next;
}
