import type { JobDoc } from "../../contracts/index.js";
import { finishJob } from "./finish-job.js";

export interface BrokerDeadLetter {
  epoch: number;
  pool: string;
  reason: string;
  description?: string;
}

/**
 * Reconciles a broker dead letter into its job. Only a dead letter for the job's CURRENT epoch of
 * a still-active job counts; anything else is stale (the job moved on) and returns the job
 * unchanged, for the caller to settle and count.
 */
export function deadLetterFromBroker(job: JobDoc, letter: BrokerDeadLetter, now: number): JobDoc {
  const active = job.stage !== "shipped" && job.stage !== "failed" && job.stage !== "dead_letter" && job.stage !== "cancelled";
  if (!active || letter.epoch !== job.leaseEpoch) return job;
  return finishJob(job, "dead_letter", "coordinator", now, {
    reason: letter.reason,
    deadLetter: {
      source: "broker",
      reason: letter.reason,
      ...(letter.description === undefined ? {} : { description: letter.description }),
      pool: letter.pool,
      epoch: letter.epoch,
      at: now,
    },
  });
}
