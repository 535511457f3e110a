import { describe, expect, it } from "vitest";
import { DEFAULT_WEIGHTS, ProductWeightRegistry, resolveWeights, ScoreWeightsPatch } from "./index.js";

describe("resolveWeights", () => {
  it("uses the seed's defaults when nothing else is given", () => {
    expect(DEFAULT_WEIGHTS).toEqual({ age: 1, priority: 10, retries: -2, capabilities: 5 });
    expect(resolveWeights({ productId: "acme" })).toEqual({
      weights: DEFAULT_WEIGHTS,
      sources: { age: "default", priority: "default", retries: "default", capabilities: "default" },
    });
  });

  it("takes a product's entry field by field and keeps the defaults for the rest", () => {
    const resolved = resolveWeights({ productId: "acme", productRegistry: { acme: { retries: -5 } } });
    expect(resolved.weights).toEqual({ age: 1, priority: 10, retries: -5, capabilities: 5 });
    expect(resolved.sources).toEqual({ age: "default", priority: "default", retries: "product", capabilities: "default" });
  });

  it("ignores other products' entries", () => {
    const resolved = resolveWeights({ productId: "acme", productRegistry: { other: { age: 9 } } });
    expect(resolved.weights).toEqual(DEFAULT_WEIGHTS);
  });

  it("lets a partial override win per field over the product entry, which wins over the defaults", () => {
    const resolved = resolveWeights({
      productId: "acme",
      override: { age: 3 },
      productRegistry: { acme: { age: 2, priority: 20 } },
    });
    expect(resolved.weights).toEqual({ age: 3, priority: 20, retries: -2, capabilities: 5 });
    expect(resolved.sources).toEqual({ age: "override", priority: "product", retries: "default", capabilities: "default" });
  });

  it("applies an override with no registry over the defaults, field by field", () => {
    const resolved = resolveWeights({ productId: "acme", override: { capabilities: 0, retries: undefined } });
    expect(resolved.weights).toEqual({ ...DEFAULT_WEIGHTS, capabilities: 0 });
    expect(resolved.sources.capabilities).toBe("override");
    expect(resolved.sources.retries).toBe("default");
  });

  it("takes every field from the override when it sets them all", () => {
    const all = { age: 0, priority: 1, retries: 2, capabilities: 3 };
    const resolved = resolveWeights({ productId: "acme", override: all, productRegistry: { acme: { age: 7, priority: 7, retries: 7, capabilities: 7 } } });
    expect(resolved.weights).toEqual(all);
    expect(Object.values(resolved.sources)).toEqual(["override", "override", "override", "override"]);
  });

  it("never mutates the defaults or its inputs", () => {
    const registry = { acme: { age: 2 } };
    const resolved = resolveWeights({ productId: "acme", productRegistry: registry });
    resolved.weights.age = 99;
    expect(DEFAULT_WEIGHTS.age).toBe(1);
    expect(registry.acme.age).toBe(2);
    expect(Object.isFrozen(DEFAULT_WEIGHTS)).toBe(true);
  });

  it("rejects non-finite and unknown weights", () => {
    expect(() => resolveWeights({ productId: "acme", override: { age: Number.NaN } })).toThrow();
    expect(() => resolveWeights({ productId: "acme", productRegistry: { acme: { priority: Number.POSITIVE_INFINITY } } })).toThrow();
    expect(() => resolveWeights({ productId: "acme", override: { speed: 1 } as never })).toThrow();
  });
});

describe("weight schemas", () => {
  it("ScoreWeightsPatch is partial, strict and finite", () => {
    expect(ScoreWeightsPatch.safeParse({}).success).toBe(true);
    expect(ScoreWeightsPatch.safeParse({ age: -1, retries: 0.5 }).success).toBe(true);
    expect(ScoreWeightsPatch.safeParse({ age: Number.NEGATIVE_INFINITY }).success).toBe(false);
    expect(ScoreWeightsPatch.safeParse({ priority: Number.NaN }).success).toBe(false);
    expect(ScoreWeightsPatch.safeParse({ priority: "10" }).success).toBe(false);
    expect(ScoreWeightsPatch.safeParse({ agee: 1 }).success).toBe(false);
  });

  it("ProductWeightRegistry refuses a negative age weight (the scheduler relies on scores growing with age)", () => {
    expect(ProductWeightRegistry.safeParse({ acme: { age: 0, retries: -4 } }).success).toBe(true);
    const bad = ProductWeightRegistry.safeParse({ acme: { age: -1 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["acme", "age"]);
  });
});
