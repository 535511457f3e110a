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
 * Per-product weights, as loaded from configuration. Unlike a one-off override, these feed the
 * scheduler, whose ready buckets are FIFO because the score never decreases with age; that holds
 * only for `age >= 0`, so a registry entry may not make age count against a job.
 */
export const ProductWeightRegistry = z.record(
  z.string().min(1),
  ScoreWeightsPatch.refine((patch) => patch.age === undefined || patch.age >= 0, {
    message: "age weight must be >= 0: the scheduler relies on scores never decreasing with age",
    path: ["age"],
  }),
);
export type ProductWeightRegistry = z.infer<typeof ProductWeightRegistry>;

export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({ age: 1, priority: 10, retries: -2, capabilities: 5 });

export const WEIGHT_FIELDS = ["age", "priority", "retries", "capabilities"] as const satisfies readonly (keyof ScoreWeights)[];

export type WeightSource = "override" | "product" | "default";

export interface ResolvedWeights {
  weights: ScoreWeights;
  /** Which level each field was taken from. */
  sources: Record<keyof ScoreWeights, WeightSource>;
}

export interface ResolveWeightsOptions {
  productId: string;
  /** Per-request override (e.g. explain's query string); wins over everything. */
  override?: ScoreWeightsPatch;
  /** Per-product entries; only the entry for `productId` is consulted. */
  productRegistry?: Readonly<Record<string, ScoreWeightsPatch>>;
}

/**
 * Per-request override > the product's registry entry > DEFAULT_WEIGHTS, merged PER FIELD: an
 * override of `age` alone keeps the product's `priority`, and a product entry of `retries` alone
 * keeps the default `age`.
 *
 * Both patches are validated here as well as at the edge, because a bad weight is invisible until
 * every score is NaN. Throws a ZodError on a non-finite value or an unknown field; callers should
 * have validated earlier (ScoreWeightsPatch / ProductWeightRegistry) so this never fires in the
 * scheduler's path.
 */
export function resolveWeights(options: ResolveWeightsOptions): ResolvedWeights {
  const override = options.override === undefined ? {} : ScoreWeightsPatch.parse(options.override);
  const entry = options.productRegistry?.[options.productId];
  const product = entry === undefined ? {} : ScoreWeightsPatch.parse(entry);
  const weights: ScoreWeights = { ...DEFAULT_WEIGHTS };
  const sources: Record<keyof ScoreWeights, WeightSource> = { age: "default", priority: "default", retries: "default", capabilities: "default" };
  for (const field of WEIGHT_FIELDS) {
    const fromOverride = override[field];
    const fromProduct = product[field];
    if (fromOverride !== undefined) {
      weights[field] = fromOverride;
      sources[field] = "override";
    } else if (fromProduct !== undefined) {
      weights[field] = fromProduct;
      sources[field] = "product";
    }
  }
  return { weights, sources };
}
