import { z } from "zod";
import { EpochMs, Id } from "./common.js";
import { ProductReviewSettings } from "./review.js";
import { FairShare, ProductScoreWeights } from "./weights.js";

/** How long a budget's spend accumulates before it starts again from zero. `none`: never. */
export const BudgetWindow = z.enum(["daily", "weekly", "monthly", "none"]);
export type BudgetWindow = z.infer<typeof BudgetWindow>;

/** A UTC calendar day, `YYYY-MM-DD`. Windows start at 00:00 UTC of a day. */
export const UtcDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a UTC day such as 2026-01-31")
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), "not a calendar day");
export type UtcDay = z.infer<typeof UtcDay>;

/**
 * What a pause does to work already handed out:
 * - finish: nothing; assigned and running jobs carry on, nothing new is assigned.
 * - drain: assignments not yet accepted are withdrawn (requeued, epoch + 1); running jobs finish.
 * - stop: as drain, and running jobs are told at their next lease renewal to checkpoint and release.
 */
export const PauseMode = z.enum(["finish", "drain", "stop"]);
export type PauseMode = z.infer<typeof PauseMode>;

/** An operator's pause, as recorded. */
export const PauseRecord = z
  .object({
    mode: PauseMode,
    reason: z.string().min(1).max(500),
    by: z.string().min(1).max(128),
    at: EpochMs,
  })
  .strict();
export type PauseRecord = z.infer<typeof PauseRecord>;

/**
 * A product's spend and flow controls (container `budgets`, partition key `/productId`, id
 * `budget.<productId>`): its ceiling and window, its operator pause, its scheduling weights, and
 * its review policy (docs/adr/0008-the-review-gate.md).
 * One document per product, so the coordinator loads every product's controls with one query at
 * start and each operator change is one conditional write.
 *
 * Spend is NOT stored here: it is the sum of the cost each job records in the same write that ends
 * its run (`JobDoc.spend`), rebuilt at start (docs/adr/0006-spend-recorded-on-the-job.md).
 */
export const BudgetDoc = z
  .object({
    id: Id,
    productId: Id,
    /** Absent: no ceiling (spend is still counted; the product never auto-pauses). */
    ceilingUsd: z.number().positive().max(100_000_000).optional(),
    window: BudgetWindow,
    /** The first day of the first window; windows repeat from it (a monthly window on its day of the month). */
    windowStart: UtcDay,
    /** Keep a job queued while its own `budget.usd` is more than what is left of the ceiling. */
    holdBack: z.boolean(),
    /** What reaching the ceiling does to work already handed out (see PauseMode). */
    onCeiling: PauseMode,
    pause: PauseRecord.optional(),
    share: FairShare.optional(),
    weights: ProductScoreWeights.optional(),
    review: ProductReviewSettings.optional(),
    revision: z.number().int().nonnegative(),
    updatedAt: EpochMs,
  })
  .strict();
export type BudgetDoc = z.infer<typeof BudgetDoc>;

export function budgetDocId(productId: string): string {
  return `budget.${productId}`;
}

/** `PUT /fleet/budgets/:productId`. Fields left out keep their current value; `ceilingUsd: null` removes the ceiling. */
export const PutBudgetBody = z
  .object({
    ceilingUsd: z.number().positive().max(100_000_000).nullable().optional(),
    window: BudgetWindow.optional(),
    windowStart: UtcDay.optional(),
    holdBack: z.boolean().optional(),
    onCeiling: PauseMode.optional(),
  })
  .strict();
export type PutBudgetBody = z.infer<typeof PutBudgetBody>;

export const PauseBody = z
  .object({
    mode: PauseMode.default("finish"),
    reason: z.string().min(1).max(500).default("paused by an operator"),
  })
  .strict();
export type PauseBody = z.infer<typeof PauseBody>;

export const ProductIdParams = z.object({ productId: Id }).strict();

/** `PUT /fleet/weights/:productId`. `null` clears a field back to the topology's value. */
export const PutWeightsBody = z
  .object({
    share: FairShare.nullable().optional(),
    weights: ProductScoreWeights.nullable().optional(),
  })
  .strict();
export type PutWeightsBody = z.infer<typeof PutWeightsBody>;
