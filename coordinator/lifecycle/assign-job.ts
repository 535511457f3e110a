import type { JobDoc } from "../../contracts/index.js";
import { withEvent } from "./job-events.js";
import { assertTransition } from "./transitions.js";

export interface AssignmentTarget {
  pool: string;
  acceptTimeoutMs: number;
}

/**
 * The assignment, as ONE document change: stage `assigned`, epoch + 1, the lease with its accept
 * deadline, and the outbox marker the dispatcher relays. Committed with a single If-Match write,
 * so either all of it happened or none of it did (DESIGN rule 1).
 */
export function assignJob(job: JobDoc, target: AssignmentTarget, now: number): JobDoc {
  assertTransition(job.stage, "assigned", "coordinator");
  const epoch = job.leaseEpoch + 1;
  const assigned: JobDoc = {
    ...job,
    stage: "assigned",
    leaseEpoch: epoch,
    lease: { pool: target.pool, assignedAt: now, acceptBy: now + target.acceptTimeoutMs, renewals: 0 },
    outbox: { epoch, pool: target.pool, at: now },
    updatedAt: now,
  };
  delete assigned.stageReason;
  delete assigned.notBefore;
  return withEvent(assigned, "assigned", "coordinator", now, { pool: target.pool });
}
