import { z } from "zod";
import { Capability, EpochMs, Id } from "./common.js";

export const FactoryHealth = z.enum(["ok", "degraded", "down"]);

/** A running factory container (container `factories`, partition key `/productId`). Written by
 * heartbeats; a factory whose lastHeartbeatAt is older than the stale threshold counts as gone. */
export const FactoryDoc = z
  .object({
    id: Id,
    productId: Id,
    pool: Id,
    capabilities: z.array(Capability).max(32),
    seats: z.number().int().min(1),
    load: z.number().int().nonnegative(),
    health: FactoryHealth,
    version: z.string().max(64).optional(),
    startedAt: EpochMs,
    lastHeartbeatAt: EpochMs,
  })
  .strict();
export type FactoryDoc = z.infer<typeof FactoryDoc>;
