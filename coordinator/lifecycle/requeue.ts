import type { Checkpoint, JobDoc } from "../../contracts/index.js";
import { assertJobTransition } from "./transitions.js";
import { eventActorOf, withEvent } from "./job-events.js";
import { withdrawOpenReview } from "./review-round.js";

export interface RequeueOptions {
  actor: "coordinator" | "operator" | "reviewer";
  reason: string;
  /** Not schedulable before this instant (backoff, "later"). */
  notBefore?: number;
  /** Count this as a consumed retry. */
  consumeRetry: boolean;
  checkpoint?: Checkpoint;
}

/**
 * Every return to `queued` goes through here: it bumps the epoch (fencing out whoever held the
 * job), drops the lease and any unpublished outbox marker, and KEEPS the checkpoint so the next
 * attempt resumes. Aging restarts when the job becomes schedulable again.
 */
export function requeueJob(job: JobDoc, now: number, options: RequeueOptions): JobDoc {
  assertJobTransition(job, "queued", options.actor);
  const notBefore = options.notBefore !== undefined && options.notBefore > now ? options.notBefore : undefined;
  const next: JobDoc = withdrawOpenReview({
    ...job,
    stage: "queued",
    stageReason: options.reason,
    leaseEpoch: job.leaseEpoch + 1,
    retries: job.retries + (options.consumeRetry ? 1 : 0),
    queuedAt: notBefore ?? now,
    checkpoint: options.checkpoint ?? job.checkpoint,
    updatedAt: now,
  }, now);
  delete next.lease;
  delete next.outbox;
  delete next.deadLetter;
  // A preemption request belongs to the attempt that is ending.
  delete next.preemption;
  if (notBefore === undefined) delete next.notBefore;
  else next.notBefore = notBefore;
  return withEvent(next, "requeued", eventActorOf(options.actor), now, {
    reason: options.reason,
    ...(notBefore === undefined ? {} : { notBefore }),
  });
}
