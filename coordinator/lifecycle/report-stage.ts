import type { Checkpoint, JobDoc, Stage } from "../../contracts/index.js";
import { assertLeaseHolder } from "./fencing.js";
import { withEvent } from "./job-events.js";
import { assertTransition } from "./transitions.js";

export interface StageReport {
  epoch: number;
  factoryId: string;
  stage: Stage;
  checkpoint?: Checkpoint;
  note?: string;
  leaseMs: number;
}

/**
 * A fenced stage transition reported by the lease holder. Reporting the stage the job is already
 * in is a no-op (returns the same object, nothing is written): a retried report never counts twice.
 * A report is also proof of life, so it extends the lease.
 */
export function reportStage(job: JobDoc, report: StageReport, now: number): JobDoc {
  assertLeaseHolder(job, report.epoch, report.factoryId, now);
  if (job.stage === report.stage && report.checkpoint === undefined) return job;
  if (job.stage !== report.stage) assertTransition(job.stage, report.stage, "factory");
  const next: JobDoc = {
    ...job,
    stage: report.stage,
    checkpoint: report.checkpoint ?? job.checkpoint,
    lease: job.lease === undefined ? undefined : { ...job.lease, expiresAt: now + report.leaseMs },
    updatedAt: now,
  };
  if (next.lease === undefined) delete next.lease;
  return withEvent(next, "stage", "factory", now, {
    from: job.stage,
    to: report.stage,
    ...(report.note === undefined ? {} : { note: report.note }),
    ...(report.checkpoint === undefined ? {} : { checkpoint: true }),
  });
}
