import { z } from "zod";
import { EpochMs, Id, Stage } from "../contracts/index.js";

/** `drain` in an answer: finish the jobs you hold, take no new assignment, then exit. */
const DrainDirective = z.object({ reason: z.string(), message: z.string() });

/** What the coordinator answers to a renew (POST /fleet/jobs/:id/lease/renew). `stop`: checkpoint
 * now and release the lease as drained (a preemption, a product paused with mode stop). */
export const RenewAnswer = z.object({
  jobId: Id,
  leaseEpoch: z.number().int().nonnegative(),
  expiresAt: EpochMs.optional(),
  stop: z.object({ reason: z.string(), message: z.string(), preemptor: z.string().optional() }).optional(),
  drain: DrainDirective.optional(),
});
export type RenewAnswer = z.infer<typeof RenewAnswer>;

/** What the coordinator answers to a release (POST /fleet/jobs/:id/lease/release). */
export const ReleaseAnswer = z.object({ jobId: Id, stage: Stage, leaseEpoch: z.number().int().nonnegative(), retries: z.number().int().nonnegative() });
export type ReleaseAnswer = z.infer<typeof ReleaseAnswer>;

/** What the coordinator answers to a heartbeat (POST /fleet/factories/heartbeat): the pool the
 * token belongs to (the agent checks it at start), whether the topology has it, and directives. */
export const HeartbeatAnswer = z.object({
  ok: z.boolean(),
  at: EpochMs.optional(),
  pool: z.string().optional(),
  poolInTopology: z.boolean().optional(),
  drain: DrainDirective.optional(),
});
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswer>;
