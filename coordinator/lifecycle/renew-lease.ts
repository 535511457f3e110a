import { FleetError, RUNNING_STAGES, type JobDoc } from "../../contracts/index.js";
import { assertLeaseHolder } from "./fencing.js";

/** Extends the accepted lease. Not recorded on the timeline: renewals are liveness, not history. */
export function renewLease(job: JobDoc, epoch: number, factoryId: string, leaseMs: number, now: number): JobDoc {
  assertLeaseHolder(job, epoch, factoryId, now);
  if (!RUNNING_STAGES.has(job.stage) || job.lease === undefined) {
    throw new FleetError("ILLEGAL_TRANSITION", `job ${job.id} is '${job.stage}': only a running lease can be renewed`);
  }
  return {
    ...job,
    lease: { ...job.lease, expiresAt: now + leaseMs, renewals: job.lease.renewals + 1 },
    updatedAt: now,
  };
}
