import { FleetError, type JobDoc } from "../../contracts/index.js";
import { withEvent } from "./job-events.js";

/**
 * An operator discards a dead letter: the job keeps its record and its stage, leaves the operator
 * view, and gains a `discarded` event. Discarding twice is a no-op (the same document back).
 */
export function discardDeadLetter(job: JobDoc, now: number, reason?: string): JobDoc {
  if (job.stage !== "dead_letter" || job.deadLetter === undefined) {
    throw new FleetError("ILLEGAL_TRANSITION", `job ${job.id} is '${job.stage}', not a dead letter: only dead letters can be discarded`);
  }
  if (job.deadLetter.discardedAt !== undefined) return job;
  return withEvent({ ...job, deadLetter: { ...job.deadLetter, discardedAt: now } }, "discarded", "operator", now, reason === undefined ? undefined : { reason });
}
