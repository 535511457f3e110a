import { z } from "zod";
import { EpochMs, Id } from "./common.js";

/** Small progress records owned by background components (the relay's watermark, the
 * coordinator's epoch floor). Container `checkpoints`, partition key `/id`. */
export const CheckpointDoc = z
  .object({
    id: Id,
    productId: Id,
    data: z.record(z.string(), z.unknown()),
    updatedAt: EpochMs,
  })
  .strict();
export type CheckpointDoc = z.infer<typeof CheckpointDoc>;
