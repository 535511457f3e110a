import { z } from "zod";

/**
 * Weights of the job score terms (the control-plane guide's formula). zod 4's `z.number()` already
 * rejects NaN and ±Infinity, so every weight that passes is finite: a non-finite weight would turn
 * a score into NaN, and NaN compares false both ways, which silently breaks every ranking.
 */
export const ScoreWeights = z
  .object({
    age: z.number(),
    priority: z.number(),
    retries: z.number(),
    capabilities: z.number(),
  })
  .strict();
export type ScoreWeights = z.infer<typeof ScoreWeights>;

/** Any subset of the weights, as a request override or a product's registry entry. Strict, so a
 * misspelt field is an error rather than a silently ignored one. */
export const ScoreWeightsPatch = ScoreWeights.partial().strict();
export type ScoreWeightsPatch = z.infer<typeof ScoreWeightsPatch>;

/**
 * A product's weights as the scheduler uses them (from the topology or the API). Unlike a one-off
 * override, these feed the scheduler, whose ready buckets are FIFO because the score never
 * decreases with age; that holds only for `age >= 0`, so a registry entry may not make age count
 * against a job.
 */
export const ProductScoreWeights = ScoreWeightsPatch.refine((patch) => patch.age === undefined || patch.age >= 0, {
  message: "age weight must be >= 0: the scheduler relies on scores never decreasing with age",
  path: ["age"],
});

export const ProductWeightRegistry = z.record(z.string().min(1), ProductScoreWeights);
export type ProductWeightRegistry = z.infer<typeof ProductWeightRegistry>;

/** A product's fair share of a pool it competes for with other products: with shares 3 and 1, the
 * first gets three assignments for every one of the second while both have ready work. */
export const FairShare = z.number().min(0.01).max(1000);

/** What the topology or the API sets for one product: its fair share and its score weights. */
export const ProductSchedulingSettings = z
  .object({
    share: FairShare.optional(),
    weights: ProductScoreWeights.optional(),
  })
  .strict();
export type ProductSchedulingSettings = z.infer<typeof ProductSchedulingSettings>;
