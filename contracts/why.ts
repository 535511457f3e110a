import { z } from "zod";
import { Id } from "./common.js";
import { IsoTime } from "./iso-time.js";
import { Stage } from "./stage.js";

/**
 * Why a job is where it is. The list of codes is open: a client shows `message` for any code and
 * may special-case the codes it knows; a new reason (a budget or a product paused, say) adds a
 * code and its facts without changing the shape. Codes known today, in the order they are checked:
 *
 * finished, running, awaiting_review, awaiting_ship, awaiting_accept, deps_unmet, retry_backoff,
 * no_capable_pool, pool_down, pool_paused, capacity_window, behind_higher_priority, next_pass.
 */
export const WHY_CODES = [
  "finished",
  "running",
  "awaiting_review",
  "awaiting_ship",
  "awaiting_accept",
  "deps_unmet",
  "retry_backoff",
  "no_capable_pool",
  "pool_down",
  "pool_paused",
  "capacity_window",
  "behind_higher_priority",
  "next_pass",
] as const;
export type KnownWhyCode = (typeof WHY_CODES)[number];

export const WhyReason = z
  .object({
    code: z.string().meta({ description: `one of ${WHY_CODES.join(", ")}; the list may grow` }),
    message: z.string().meta({ description: "one sentence a person can read" }),
    facts: z.record(z.string(), z.unknown()).meta({ description: "the facts behind the sentence; times are ISO 8601" }),
  })
  .meta({ id: "WhyReason" });
export type WhyReason = z.infer<typeof WhyReason>;

export const WhyAnswer = z
  .object({
    jobId: Id,
    idempotencyKey: Id,
    stage: Stage,
    /** False once the job runs or finished: nothing holds it back. */
    waiting: z.boolean(),
    /** The first reason's sentence. */
    summary: z.string(),
    reasons: z.array(WhyReason).min(1),
    at: IsoTime.meta({ description: "when the coordinator answered (its clock)" }),
  })
  .meta({
    id: "WhyAnswer",
    example: {
      jobId: "j-4b1c0a9e1f2d3c4b5a6978877665544",
      idempotencyKey: "build-api",
      stage: "queued",
      waiting: true,
      summary: "every pool that can run it is at its capacity window (general 8 of 8); 3 ready jobs rank ahead of it",
      reasons: [
        {
          code: "capacity_window",
          message: "every pool that can run it is at its capacity window (general 8 of 8); 3 ready jobs rank ahead of it",
          facts: { pools: [{ pool: "general", inFlight: 8, capacity: 8 }], ahead: 3, position: 4 },
        },
      ],
      at: "2026-01-31T09:30:00.000Z",
    },
  });
export type WhyAnswer = z.infer<typeof WhyAnswer>;
