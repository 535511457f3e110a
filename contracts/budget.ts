import { z } from "zod";
import { EpochMs, Id } from "./common.js";

/** Per-product spend ceiling (container `budgets`, partition key `/productId`). When spentUsd reaches
 * ceilingUsd the product is paused: its queued jobs stay queued until an operator resumes. */
export const BudgetDoc = z
  .object({
    id: Id,
    productId: Id,
    ceilingUsd: z.number().nonnegative().optional(),
    spentUsd: z.number().nonnegative(),
    window: z.enum(["daily", "weekly", "monthly", "total"]),
    paused: z.boolean(),
    pausedReason: z.string().max(200).optional(),
    updatedAt: EpochMs,
  })
  .strict();
export type BudgetDoc = z.infer<typeof BudgetDoc>;
