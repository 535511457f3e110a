import { z } from "zod";
import { EpochMs, Id } from "./common.js";

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
    updatedAt: EpochMs,
  })
  .strict();
export type PoolDoc = z.infer<typeof PoolDoc>;

export const FLEET_PRODUCT_ID = "fleet";
