import { z } from "zod";
import { Id } from "./common.js";
import type { JobEvent } from "./event.js";
import { IsoTime } from "./iso-time.js";
import { type Priority, Stage } from "./stage.js";

/**
 * The live event streams (Server-Sent Events) and the cursor the polling fallback uses.
 *
 * - `GET /fleet/jobs/:id/events/stream`: one job's timeline. Each SSE event is `event: job.event`
 *   with `id: <seq>` and a `JobStreamEvent` as data. `Last-Event-ID: <seq>` resumes with exactly
 *   the events after it, then live ones.
 * - `GET /fleet/events/stream`: the fleet. Each SSE event names its type (`event: job.stage`,
 *   `dead_letter`, `dead_letter.discarded`, `pool.scale`) and has an id `<boot>-<n>`, monotonic per
 *   coordinator process. A `Last-Event-ID` that this process cannot resume (another process, or
 *   older than its memory) gets `event: reset` first: reload what you show, then carry on live.
 * - Both send a comment (`: heartbeat`) every 15 s and a final `event: error` with a `StreamError`
 *   before the server cuts a stream off (a client too slow to read what it is sent).
 */

const commaList = <T extends z.ZodType<string, string>>(item: T, max: number) =>
  z
    .string()
    .max(4096)
    .transform((text) => text.split(",").map((part) => part.trim()).filter((part) => part !== ""))
    .pipe(z.array(item).min(1).max(max));

export const FleetStreamQuery = z
  .object({
    /** Comma list: job events of jobs on these pools and these pools' scale samples. */
    pool: commaList(Id, 50).optional(),
    /** Comma list: job stage changes into these stages (other events are left out). */
    stage: commaList(Stage, 10).optional(),
    /** Comma list of job ids: only events about these jobs. */
    job: commaList(Id, 100).optional(),
  })
  .strict();
export type FleetStreamQuery = z.infer<typeof FleetStreamQuery>;

export const JobEventsQuery = z
  .object({
    /** Only events with a larger seq (the last seq the caller has; -1 for all). */
    after: z.coerce.number().int().min(-1).optional(),
  })
  .strict();
export type JobEventsQuery = z.infer<typeof JobEventsQuery>;

export const PoolHistoryQuery = z.object({ pool: Id.optional() }).strict();

/** One timeline event of one job, as the job stream sends it. */
export type JobStreamEvent = JobEvent & { jobId: string };

/** A job moved from one stage to another (`from` is null for a new job). */
export interface JobStageChange {
  jobId: string;
  productId: string;
  idempotencyKey: string;
  title?: string;
  priority: Priority;
  /** The pool of its current or last lease, when it has had one. */
  pool?: string;
  from: Stage | null;
  to: Stage;
  reason?: string;
  /** ISO 8601. */
  at: string;
}

export interface DeadLetterChange {
  jobId: string;
  productId: string;
  idempotencyKey: string;
  title?: string;
  pool?: string;
  source: "broker" | "retries" | "operator";
  reason: string;
  at: string;
}

/** One sample of a pool's scale, recorded by the coordinator every few seconds. */
export const PoolScaleSample = z.strictObject({
  pool: Id,
  at: IsoTime,
  /** null where this process cannot know (no replica source, no broker). */
  desiredReplicas: z.number().int().nullable(),
  actualReplicas: z.number().int().nullable(),
  subscriptionActiveMessages: z.number().int().nullable(),
  inFlightLeases: z.number().int(),
  awaitingAccept: z.number().int(),
});
export type PoolScaleSample = z.infer<typeof PoolScaleSample>;

/** What an operator's lever did or caused (budgets, pauses, preemptions, schedules). `kind` names
 * it, e.g. `budget.ceiling_reached`, `pool.draining`, `job.preempted`, `schedule.submitted`. */
export interface ControlChange {
  kind: string;
  at: string;
  productId?: string;
  pool?: string;
  jobId?: string;
  details: Record<string, unknown>;
}

export type FleetStreamEvent =
  | { type: "job.stage"; data: JobStageChange }
  | { type: "control"; data: ControlChange }
  | { type: "dead_letter"; data: DeadLetterChange }
  | { type: "dead_letter.discarded"; data: DeadLetterChange }
  | { type: "pool.scale"; data: PoolScaleSample };

/** `event: reset` on the fleet stream: the missed events cannot be replayed. */
export interface StreamReset {
  reason: string;
}

/** `event: error`, the last thing sent before the server closes a stream. */
export interface StreamError {
  code: "SLOW_CLIENT" | "SHUTTING_DOWN";
  message: string;
}

/** `GET /fleet/pools/history`. */
export const PoolHistoryResponse = z
  .strictObject({
    intervalMs: z.number().int().positive().meta({ description: "how often a pool is sampled" }),
    windowMs: z.number().int().positive().meta({ description: "how far back samples are kept" }),
    pools: z.array(z.strictObject({ pool: Id, samples: z.array(PoolScaleSample).meta({ description: "oldest first, one per interval" }) })),
    /** Jobs that ended in the last hour, in the caller's product scope. */
    lastHour: z
      .strictObject({ shipped: z.number().int(), failed: z.number().int(), deadLettered: z.number().int(), cancelled: z.number().int() })
      .meta({ description: "jobs that ended in the last hour, in the key's product scope" }),
  })
  .meta({
    id: "PoolHistory",
    description: "Per-pool scale samples of the last hour, from the coordinator's memory",
    example: {
      intervalMs: 5000,
      windowMs: 3_600_000,
      pools: [
        {
          pool: "general",
          samples: [
            { pool: "general", at: "2026-01-31T09:29:55.000Z", desiredReplicas: 2, actualReplicas: 1, subscriptionActiveMessages: 2, inFlightLeases: 2, awaitingAccept: 1 },
            { pool: "general", at: "2026-01-31T09:30:00.000Z", desiredReplicas: 2, actualReplicas: 2, subscriptionActiveMessages: 0, inFlightLeases: 2, awaitingAccept: 0 },
          ],
        },
      ],
      lastHour: { shipped: 118, failed: 1, deadLettered: 2, cancelled: 0 },
    },
  });
export type PoolHistoryResponse = z.infer<typeof PoolHistoryResponse>;
