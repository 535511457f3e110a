import { z } from "zod";
import { EpochMs, Id } from "./common.js";

export const EventActor = z.enum(["coordinator", "factory", "operator", "broker"]);
export type EventActor = z.infer<typeof EventActor>;

/** One entry of a job's append-only timeline. Stored inline on the job document (so the
 * transition and its event commit in the same conditional write) and, once a job has more
 * than LIMITS.inlineEvents, moved in pages to the `events` container. */
export const JobEvent = z
  .object({
    seq: z.number().int().nonnegative(),
    type: z.string().min(1).max(64),
    at: EpochMs,
    actor: EventActor,
    epoch: z.number().int().nonnegative(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type JobEvent = z.infer<typeof JobEvent>;

/** A page of archived events (container `events`, partition key `/jobId`). */
export const EventPageDoc = z
  .object({
    id: Id,
    productId: Id,
    jobId: Id,
    fromSeq: z.number().int().nonnegative(),
    toSeq: z.number().int().nonnegative(),
    events: z.array(JobEvent),
  })
  .strict();
export type EventPageDoc = z.infer<typeof EventPageDoc>;
