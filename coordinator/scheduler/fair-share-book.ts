import { chargedPass, DEFAULT_SHARE, type FairShareCandidate, fairnessTermOf, type FairnessTerm, pickFairShare } from "../scorer/index.js";

/**
 * The scheduler's fair-share state: each product's pass and the floor (the pass of the product
 * served last). In memory only: after a restart every product starts level, which is fair.
 * The decisions themselves are the scorer's pure functions.
 */
export class FairShareBook {
  private readonly passes = new Map<string, number>();
  private floor = 0;

  constructor(private readonly shareOf: (productId: string) => number) {}

  candidate(productId: string): FairShareCandidate {
    return { productId, pass: this.passes.get(productId) ?? 0, share: this.shareOf(productId) ?? DEFAULT_SHARE };
  }

  /** The product to serve among those competing now. */
  pick(productIds: Iterable<string>): string | undefined {
    const candidates = [...productIds].map((id) => this.candidate(id));
    return pickFairShare(candidates, this.floor)?.productId;
  }

  /** Records one assignment to `productId`. */
  charge(productId: string): void {
    const pass = this.passes.get(productId) ?? 0;
    this.floor = pass < this.floor ? this.floor : pass;
    this.passes.set(productId, chargedPass(pass, this.floor, this.shareOf(productId)));
  }

  term(productId: string, competing: Iterable<string>, critical: boolean): FairnessTerm {
    const ids = new Set(competing);
    ids.add(productId);
    return fairnessTermOf(productId, [...ids].map((id) => this.candidate(id)), this.floor, critical);
  }
}
