import { z } from "zod";
import { Capability, EpochMs, Id } from "./common.js";
import { Priority } from "./stage.js";

/** What a factory receives from its pool's subscription. Deliberately small: the message is a
 * pointer plus the fencing epoch; the factory gets the full job (body, checkpoint, budget) from
 * the coordinator when it accepts the lease. Message id on the broker is `${jobId}:${epoch}`. */
export const AssignmentMessage = z
  .object({
    kind: z.literal("assignment"),
    version: z.literal(1),
    jobId: Id,
    productId: Id,
    epoch: z.number().int().positive(),
    pool: Id,
    priority: Priority,
    capabilities: z.array(Capability).max(32),
    /** Accept before this instant (coordinator clock); the message's time-to-live matches it. */
    acceptBy: EpochMs,
    attempt: z.number().int().positive(),
  })
  .strict();
export type AssignmentMessage = z.infer<typeof AssignmentMessage>;

export function assignmentMessageId(jobId: string, epoch: number): string {
  return `${jobId}:${epoch}`;
}
