import { z } from "zod";
import { Capability, EpochMs, Id } from "./common.js";

export const FactoryHealth = z.enum(["ok", "degraded", "down"]);
export type FactoryHealth = z.infer<typeof FactoryHealth>;

/** A running factory container (container `factories`, partition key `/productId`). Written by
 * heartbeats; a factory whose lastHeartbeatAt is older than the stale threshold counts as gone.
 * Every heartbeat sets `ttl`, so the document of a container that died without deregistering
 * expires by itself (Cosmos DB counts it from the last write). */
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
    /** The credential it authenticates with: a pool token shared by instances, or its own enrolled token. */
    credentialId: z.string().max(200).optional(),
    startedAt: EpochMs,
    lastHeartbeatAt: EpochMs,
    ttl: z.number().int().min(-1).optional(),
  })
  .strict();
export type FactoryDoc = z.infer<typeof FactoryDoc>;

export const ListFactoriesQuery = z
  .object({
    pool: Id.optional(),
    /** live: heard from within the stale threshold; stale: silent longer (listed until its document expires). */
    status: z.enum(["live", "stale"]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    continuation: z.string().max(4096).optional(),
  })
  .strict();
export type ListFactoriesQuery = z.infer<typeof ListFactoriesQuery>;

export const FactoryView = z
  .object({
    id: Id,
    pool: Id,
    productId: Id,
    version: z.string().nullable(),
    seats: z.number().int(),
    load: z.number().int(),
    health: FactoryHealth,
    status: z.enum(["live", "stale"]),
    lastHeartbeatAt: z.string().datetime(),
    startedAt: z.string().datetime(),
    /** Jobs whose lease this factory holds, from the coordinator's memory. */
    currentJobs: z.array(Id),
    credential: z.enum(["pool-token", "enrolled"]),
  })
  .strict();
export type FactoryView = z.infer<typeof FactoryView>;

export const FactoryList = z
  .object({
    items: z.array(FactoryView),
    continuation: z.string().optional(),
    staleAfterSeconds: z.number(),
  })
  .strict();
export type FactoryList = z.infer<typeof FactoryList>;
