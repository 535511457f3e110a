import { z } from "zod";
import { Budget, Capability, EpochMs, Id, RetryPolicy, ShortText } from "./common.js";
import { Instant } from "./instant.js";
import { LIMITS } from "./limits.js";
import { Priority } from "./stage.js";

/** Schedule names become part of idempotency keys (`schedule:<name>:<occurrence ms>`). */
export const ScheduleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, "schedule names are lower-case letters, digits and '-'");

/** The job each occurrence submits (a leaf job; dependencies do not apply to recurring work). */
export const ScheduledJob = z
  .object({
    title: ShortText.optional(),
    bodyMd: z.string().min(1).max(LIMITS.bodyMdChars),
    persona: ShortText.default("engineer"),
    capabilities: z.array(Capability).max(LIMITS.capabilities).default([]),
    priority: Priority.default("medium"),
    budget: Budget.optional(),
    retry: RetryPolicy.optional(),
  })
  .strict();
export type ScheduledJob = z.infer<typeof ScheduledJob>;

/**
 * What happens when an occurrence falls due while the job of the previous one is still active:
 * `skip` records the occurrence as skipped and submits nothing; `allow` submits it anyway.
 */
export const OverlapPolicy = z.enum(["skip", "allow"]);

/** A recurring submission (container `schedules`, partition key `/productId`). */
export const ScheduleDoc = z
  .object({
    id: Id,
    productId: Id,
    name: ScheduleName,
    /** Five fields: minute hour day-of-month month day-of-week. */
    cron: z.string().min(1).max(200),
    /** IANA time zone the cron expression is read in. */
    timeZone: z.string().min(1).max(64),
    overlap: OverlapPolicy,
    job: ScheduledJob,
    paused: z.boolean(),
    pausedReason: z.string().max(500).optional(),
    /** The next occurrence not yet handled (submitted or skipped). Absent: the expression has no future run. */
    nextRunAt: EpochMs.optional(),
    lastRunAt: EpochMs.optional(),
    lastJobId: Id.optional(),
    submitted: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    lastSkippedAt: EpochMs.optional(),
    /** Why the last skipped occurrence could not be submitted (its job was refused), if it was. */
    lastError: z.string().max(1000).optional(),
    revision: z.number().int().positive(),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  })
  .strict();
export type ScheduleDoc = z.infer<typeof ScheduleDoc>;

export function scheduleDocId(productId: string, name: string): string {
  return `schedule.${productId}.${name}`;
}

/** The idempotency key of one occurrence: a coordinator restart resubmitting it finds the job. */
export function occurrenceKey(name: string, occurrenceMs: number): string {
  return `schedule:${name}:${occurrenceMs}`;
}

export const PutScheduleBody = z
  .object({
    cron: z.string().min(1).max(200),
    timeZone: z.string().min(1).max(64).default("UTC"),
    overlap: OverlapPolicy.default("skip"),
    job: ScheduledJob,
    /** Occurrences before this instant are not submitted (default: now). */
    startAt: Instant.optional(),
    paused: z.boolean().default(false),
  })
  .strict();
export type PutScheduleBody = z.infer<typeof PutScheduleBody>;

export const ScheduleParams = z.object({ name: ScheduleName }).strict();

export const ScheduleQuery = z.object({ next: z.coerce.number().int().min(1).max(100).default(5) }).strict();

export const PauseScheduleBody = z.object({ reason: z.string().min(1).max(500).default("paused by an operator") }).strict();
