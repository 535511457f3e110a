import type { JobDoc } from "../../contracts/index.js";
import { requeueJob } from "./requeue.js";

/**
 * Takes back an assignment no factory has accepted yet (a drained pool, a product paused with
 * drain or stop): requeued with epoch + 1, so the message still in the broker is dropped at
 * accept as stale. No retry is consumed: nothing ran. Anything else is returned unchanged.
 */
export function withdrawAssignment(job: JobDoc, reason: string, now: number): JobDoc {
  if (job.stage !== "assigned" || job.lease === undefined || job.lease.factoryId !== undefined) return job;
  return requeueJob(job, now, { actor: "coordinator", reason, consumeRetry: false });
}
