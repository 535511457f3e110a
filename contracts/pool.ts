import { z } from "zod";
import { EpochMs, Id } from "./common.js";

/** An operator's pause of a pool. `drain` also asks the pool's warm agents to finish what they
 * run and exit, and withdraws assignments the pool has not accepted yet. */
export const PoolPause = z
  .object({
    reason: z.string().min(1).max(500),
    by: z.string().min(1).max(128),
    at: EpochMs,
    drain: z.boolean(),
  })
  .strict();
export type PoolPause = z.infer<typeof PoolPause>;

/** Runtime state of a pool (container `pools`, partition key `/productId`). The pool's shape
 * (capabilities, seats, replicas) lives in the topology file; this holds what operators change. */
export const PoolDoc = z
  .object({
    id: Id,
    /** Pools serve every product; their documents live under the fleet's own product id. */
    productId: Id,
    name: Id,
    health: z.enum(["ok", "degraded", "down"]),
    paused: z.boolean(),
    pause: PoolPause.optional(),
    updatedAt: EpochMs,
  })
  .strict();
export type PoolDoc = z.infer<typeof PoolDoc>;

export const FLEET_PRODUCT_ID = "fleet";

export function poolDocId(pool: string): string {
  return `pool.${pool}`;
}

export const PoolNameParams = z.object({ name: Id }).strict();

export const PausePoolBody = z.object({ reason: z.string().min(1).max(500).default("paused by an operator") }).strict();
export type PausePoolBody = z.infer<typeof PausePoolBody>;
