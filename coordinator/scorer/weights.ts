import { type ScoreWeights, ScoreWeightsPatch } from "../../contracts/index.js";

/** The schemas live in contracts/ (the topology and the API validate with them); re-exported here
 * because the scorer is where they mean something. */
export { ProductWeightRegistry, ScoreWeights, ScoreWeightsPatch } from "../../contracts/index.js";

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
