import { z } from "zod";
import { EpochMs, Id, Stage } from "../contracts/index.js";

/** What the coordinator answers to a renew (POST /fleet/jobs/:id/lease/renew). */
export const RenewAnswer = z.object({ jobId: Id, leaseEpoch: z.number().int().nonnegative(), expiresAt: EpochMs.optional() });
export type RenewAnswer = z.infer<typeof RenewAnswer>;

/** What the coordinator answers to a release (POST /fleet/jobs/:id/lease/release). */
export const ReleaseAnswer = z.object({ jobId: Id, stage: Stage, leaseEpoch: z.number().int().nonnegative(), retries: z.number().int().nonnegative() });
export type ReleaseAnswer = z.infer<typeof ReleaseAnswer>;

/** What the coordinator answers to a heartbeat (POST /fleet/factories/heartbeat). */
export const HeartbeatAnswer = z.object({ ok: z.boolean(), at: EpochMs.optional() });
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswer>;
