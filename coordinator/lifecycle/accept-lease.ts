import { FleetError, type JobDoc } from "../../contracts/index.js";
import { staleEpoch } from "./fencing.js";
import { withEvent } from "./job-events.js";
import { appendRun } from "./runs.js";
import { assertTransition } from "./transitions.js";

export interface AcceptRequest {
  epoch: number;
  factoryId: string;
  pool: string;
  leaseMs: number;
}

/**
 * A factory accepts the assignment of `epoch`. Binds the lease to that factory: a second accept
 * of the same epoch by another factory fails with LEASE_TAKEN; the same factory accepting again
 * (a retried request) is a no-op that returns the job unchanged (same object).
 */
export function acceptLease(job: JobDoc, request: AcceptRequest, now: number): JobDoc {
  if (request.epoch !== job.leaseEpoch) throw staleEpoch(job, request.epoch, request.factoryId);
  const lease = job.lease;
  // Its stage is not the caller's business: the assignment is simply over.
  if (lease === undefined) throw new FleetError("STALE_EPOCH", `epoch ${request.epoch} of job ${job.id} is over`);
  if (lease.pool !== request.pool) {
    throw new FleetError("FORBIDDEN", `job ${job.id} is not assigned to pool '${request.pool}'`);
  }
  if (lease.factoryId !== undefined) {
    if (lease.factoryId === request.factoryId) return job;
    throw new FleetError("LEASE_TAKEN", `epoch ${request.epoch} of job ${job.id} was already accepted by another factory`);
  }
  assertTransition(job.stage, "building", "factory");
  const attempt = job.attempts + 1;
  const accepted: JobDoc = {
    ...job,
    stage: "building",
    attempts: attempt,
    lease: { ...lease, factoryId: request.factoryId, acceptedAt: now, expiresAt: now + request.leaseMs },
    updatedAt: now,
  };
  delete accepted.outbox;
  const withRun = appendRun(accepted, {
    productId: job.productId,
    jobId: job.id,
    attempt,
    epoch: job.leaseEpoch,
    pool: lease.pool,
    factoryId: request.factoryId,
    startedAt: now,
    result: "running",
  });
  return withEvent(withRun, "accepted", "factory", now, { factoryId: request.factoryId, attempt });
}
