import { FleetError, type JobDoc } from "../../contracts/index.js";

/**
 * Fencing: every factory call carries the epoch it was given. Anything but the current epoch is
 * rejected with STALE_EPOCH (409), so a zombie can never overwrite a reassigned job. A factory
 * that presents the current epoch but does not hold the lease gets NOT_FOUND (404): one factory
 * must not learn anything about another's job.
 */
export function assertLeaseHolder(job: JobDoc, epoch: number, factoryId: string, now: number): void {
  if (epoch !== job.leaseEpoch) throw staleEpoch(job, epoch, factoryId);
  if (job.lease?.factoryId !== factoryId) {
    throw new FleetError("NOT_FOUND", `job ${job.id} has no lease held by this factory`);
  }
  // Expiry is decided by the coordinator's clock at the moment of the call, not when the reaper
  // next runs: a worker that stalled past its lease is fenced even before the job is requeued.
  if (job.lease.expiresAt !== undefined && now >= job.lease.expiresAt) {
    throw new FleetError("STALE_EPOCH", `the lease on epoch ${epoch} of job ${job.id} expired; the job is being requeued`);
  }
}

/**
 * STALE_EPOCH for a call with the wrong epoch. Only the current lease holder is told the current
 * epoch; anyone else (a zombie whose lease was taken over, a factory that never held it) learns
 * only that its epoch is over: nothing about who works on the job now, or under which epoch.
 */
export function staleEpoch(job: JobDoc, epoch: number, factoryId: string): FleetError {
  if (job.lease?.factoryId !== undefined && job.lease.factoryId === factoryId) {
    return new FleetError("STALE_EPOCH", `epoch ${epoch} is not the job's current epoch ${job.leaseEpoch}`, { jobId: job.id, currentEpoch: job.leaseEpoch });
  }
  return new FleetError("STALE_EPOCH", `epoch ${epoch} of job ${job.id} is over`);
}
