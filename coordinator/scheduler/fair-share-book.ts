import { chargedPass, DEFAULT_SHARE, type FairShareCandidate, fairnessTermOf, type FairnessTerm, pickFairShare } from "../scorer/index.js";

export interface FairShareCharge {
  productId: string;
  /** The product's pass and the floor before the charge, and the pass it set. */
  pass: number;
  floor: number;
  charged: number;
}

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

  /** Records one assignment to `productId`; the receipt lets `refund` take it back. */
  charge(productId: string): FairShareCharge {
    const pass = this.passes.get(productId) ?? 0;
    const receipt: FairShareCharge = { productId, pass, floor: this.floor, charged: 0 };
    this.floor = pass < this.floor ? this.floor : pass;
    receipt.charged = chargedPass(pass, this.floor, this.shareOf(productId));
    this.passes.set(productId, receipt.charged);
    return receipt;
  }

  /** Takes back a charge whose assignment did not happen. Exactly, when nothing was charged since;
   * otherwise the product's pass goes back by the stride the charge added. */
  refund(receipt: FairShareCharge): void {
    const pass = this.passes.get(receipt.productId) ?? 0;
    if (pass === receipt.charged && this.floor === (receipt.pass < receipt.floor ? receipt.floor : receipt.pass)) {
      this.passes.set(receipt.productId, receipt.pass);
      this.floor = receipt.floor;
      return;
    }
    this.passes.set(receipt.productId, Math.max(0, pass - 1 / this.shareOf(receipt.productId)));
  }

  term(productId: string, competing: Iterable<string>, critical: boolean): FairnessTerm {
    const ids = new Set(competing);
    ids.add(productId);
    return fairnessTermOf(productId, [...ids].map((id) => this.candidate(id)), this.floor, critical);
  }
}
