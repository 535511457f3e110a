import { FleetError, RUNNING_STAGES, type JobDoc } from "../../contracts/index.js";
import { withEvent } from "./job-events.js";

/**
 * Marks a running job as the victim of a preemption: its holder is told at its next lease renewal
 * to checkpoint and release (outcome `drained`), which requeues it with epoch + 1 and the
 * checkpoint kept (see releaseLease). The mark is on the job, so a restart keeps it. Marking a
 * job already marked returns it unchanged; anything not running cannot be preempted.
 */
export function requestPreemption(job: JobDoc, request: { by: string; pool: string }, now: number): JobDoc {
  if (job.preemption !== undefined) return job;
  if (!RUNNING_STAGES.has(job.stage) || job.lease?.factoryId === undefined) {
    throw new FleetError("ILLEGAL_TRANSITION", `job ${job.id} is '${job.stage}': only a running job can be preempted`);
  }
  const marked: JobDoc = { ...job, preemption: { by: request.by, pool: request.pool, at: now }, updatedAt: now };
  return withEvent(marked, "preemption_requested", "coordinator", now, { victim: job.id, preemptor: request.by, pool: request.pool });
}
