import { z } from "zod";

/** Weights of the job score terms (the seed's formula). */
export interface ScoreWeights {
  age: number;
  priority: number;
  retries: number;
  capabilities: number;
}

export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = { age: 1, priority: 10, retries: -2, capabilities: 5 };

export const ScoreWeightsPatch = z
  .object({ age: z.number().finite(), priority: z.number().finite(), retries: z.number().finite(), capabilities: z.number().finite() })
  .partial()
  .strict();
export type ScoreWeightsPatch = z.infer<typeof ScoreWeightsPatch>;

export type WeightSource = "override" | "product" | "default";

export interface ResolvedWeights {
  weights: ScoreWeights;
  /** Where each field came from. */
  sources: Record<keyof ScoreWeights, WeightSource>;
}

/** Per-request override, then the product's registry entry, then the defaults, merged PER FIELD. */
export function resolveWeights(input: {
  productId: string;
  override?: ScoreWeightsPatch;
  productRegistry?: Readonly<Record<string, ScoreWeightsPatch>>;
}): ResolvedWeights {
  const product = input.productRegistry?.[input.productId];
  const weights = { ...DEFAULT_WEIGHTS };
  const sources: Record<keyof ScoreWeights, WeightSource> = { age: "default", priority: "default", retries: "default", capabilities: "default" };
  for (const field of Object.keys(DEFAULT_WEIGHTS) as (keyof ScoreWeights)[]) {
    const fromOverride = input.override?.[field];
    const fromProduct = product?.[field];
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
