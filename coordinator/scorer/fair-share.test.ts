import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chargedPass, effectivePass, fairnessTermOf, pickFairShare } from "./fair-share.js";

describe("fair share (stride scheduling)", () => {
  it("serves the lowest pass; ties go to the larger share, then the smaller product id", () => {
    const pick = (candidates: { productId: string; pass: number; share: number }[], floor = 0) => pickFairShare(candidates, floor)?.productId;
    expect(pick([{ productId: "b", pass: 1, share: 1 }, { productId: "a", pass: 2, share: 1 }])).toBe("b");
    expect(pick([{ productId: "b", pass: 1, share: 2 }, { productId: "a", pass: 1, share: 1 }])).toBe("b");
    expect(pick([{ productId: "b", pass: 1, share: 1 }, { productId: "a", pass: 1, share: 1 }])).toBe("a");
    expect(pickFairShare([], 0)).toBeUndefined();
  });

  it("gives no banked credit to a product that was away: its pass counts from the floor", () => {
    expect(effectivePass(0.5, 10)).toBe(10);
    expect(chargedPass(0.5, 10, 2)).toBe(10.5);
    expect(chargedPass(12, 10, 4)).toBe(12.25);
  });

  it("splits service by share over any run of picks, within one assignment", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 5 }), fc.integer({ min: 50, max: 400 }), (shares, picks) => {
        const products = shares.map((share, i) => ({ productId: `p${i}`, pass: 0, share }));
        let floor = 0;
        const served = new Map<string, number>();
        for (let n = 0; n < picks; n++) {
          const chosen = pickFairShare(products, floor)!;
          floor = Math.max(floor, chosen.pass);
          chosen.pass = chargedPass(chosen.pass, floor, chosen.share);
          served.set(chosen.productId, (served.get(chosen.productId) ?? 0) + 1);
        }
        const total = shares.reduce((a, b) => a + b, 0);
        for (const product of products) {
          const expected = (picks * product.share) / total;
          expect(Math.abs((served.get(product.productId) ?? 0) - expected)).toBeLessThanOrEqual(product.share + 1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("explains who is served before a product", () => {
    const competitors = [
      { productId: "acme", pass: 3, share: 1 },
      { productId: "globex", pass: 1, share: 1 },
      { productId: "initech", pass: 5, share: 1 },
    ];
    expect(fairnessTermOf("acme", competitors, 2, false)).toEqual({ productId: "acme", share: 1, pass: 3, floor: 2, servedBefore: ["globex"], bypassed: false });
    expect(fairnessTermOf("solo", [], 0, true)).toMatchObject({ productId: "solo", share: 1, servedBefore: [], bypassed: true });
  });
});
