import { z } from "zod";
import { Capability, Id } from "./common.js";
import { IsoTime, isoTime } from "./iso-time.js";
import type { JobDoc } from "./job.js";
import { Priority, Stage, TERMINAL_STAGES } from "./stage.js";

/** A row of the job list: what an operator scans, without the body and the history. */
export const JobSummary = z
  .object({
    id: Id,
    idempotencyKey: Id,
    title: z.string().nullable(),
    stage: Stage,
    priority: Priority,
    productId: Id,
    pool: Id.nullable().meta({ description: "the pool holding the job now, else the pool of its last run; null before its first assignment" }),
    leaseEpoch: z.number().int().nonnegative(),
    attempts: z.number().int().nonnegative(),
    retries: z.number().int().nonnegative(),
    capabilities: z.array(Capability),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    queuedAt: IsoTime,
    costUsd: z.number().nonnegative().meta({ description: "sum of the reported cost of the runs kept on the job" }),
  })
  .meta({ id: "JobSummary" });
export type JobSummary = z.infer<typeof JobSummary>;

export function summariseJob(job: JobDoc): JobSummary {
  let costUsd = 0;
  for (const run of job.runs) costUsd += run.insights?.costUsd ?? 0;
  return {
    id: job.id,
    idempotencyKey: job.idempotencyKey,
    title: job.title ?? null,
    stage: job.stage,
    priority: job.priority,
    productId: job.productId,
    pool: job.lease?.pool ?? job.runs.at(-1)?.pool ?? job.deadLetter?.pool ?? null,
    leaseEpoch: job.leaseEpoch,
    attempts: job.attempts,
    retries: job.retries,
    capabilities: job.capabilities,
    createdAt: isoTime(job.createdAt),
    updatedAt: isoTime(job.updatedAt),
    queuedAt: isoTime(job.queuedAt),
    costUsd: Math.round(costUsd * 1e6) / 1e6,
  };
}

export const TERMINAL_STAGE_NAMES = ["shipped", "failed", "cancelled", "dead_letter"] as const;
export type TerminalStage = (typeof TERMINAL_STAGE_NAMES)[number];
if (TERMINAL_STAGE_NAMES.length !== TERMINAL_STAGES.size) throw new Error("TERMINAL_STAGE_NAMES must list every terminal stage");

/** Jobs per stage: active ones from the coordinator's memory, terminal ones from counters kept
 * in step with every commit (counted once from the store when the coordinator starts). */
export const JobTotals = z
  .object({
    active: z.record(z.string(), z.number().int().nonnegative()).meta({ description: "active jobs per stage (queued, blocked, assigned, building, review, testing)" }),
    terminal: z.object({ shipped: z.number().int(), failed: z.number().int(), cancelled: z.number().int(), dead_letter: z.number().int() }),
  })
  .meta({ id: "JobTotals" });
export type JobTotals = z.infer<typeof JobTotals>;
