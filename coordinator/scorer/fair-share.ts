/**
 * Fair sharing across products (stride scheduling, the deterministic form of weighted
 * round-robin). Each product has a `pass`; the scheduler serves the competing product with the
 * lowest pass and then advances it by 1 / share. With shares 3 and 1 the first is served three
 * times for every time the second is, whatever either has queued: a product with 100,000 ready
 * jobs and one with ten alternate by share, so neither starves.
 *
 * A product that was not competing (nothing ready, or no room for it) does not bank credit while
 * away: its pass counts as at least the `floor` (the pass of the last product served), so coming
 * back gives it its share from then on, not a burst that starves the others in turn.
 *
 * Pure: plain numbers in, a decision out.
 */

export const DEFAULT_SHARE = 1;

export interface FairShareCandidate {
  productId: string;
  /** The product's pass as last charged (0 for a product never served). */
  pass: number;
  share: number;
}

/** The pass a candidate competes with: its own, raised to the floor. */
export function effectivePass(pass: number, floor: number): number {
  return pass < floor ? floor : pass;
}

/** The pass after serving one assignment. */
export function chargedPass(pass: number, floor: number, share: number): number {
  return effectivePass(pass, floor) + 1 / share;
}

/**
 * Which product is served next: the lowest effective pass; ties go to the larger share, then to
 * the product id that sorts first, so the choice never depends on the order candidates arrive in.
 */
export function pickFairShare(candidates: readonly FairShareCandidate[], floor: number): FairShareCandidate | undefined {
  let best: FairShareCandidate | undefined;
  let bestPass = 0;
  for (const candidate of candidates) {
    const pass = effectivePass(candidate.pass, floor);
    if (
      best === undefined ||
      pass < bestPass ||
      (pass === bestPass && (candidate.share > best.share || (candidate.share === best.share && candidate.productId < best.productId)))
    ) {
      best = candidate;
      bestPass = pass;
    }
  }
  return best;
}

/** The fairness term as `explain` shows it: where the product stands in the rotation. */
export interface FairnessTerm {
  productId: string;
  share: number;
  /** The product's effective pass and the floor (the pass of the last product served). */
  pass: number;
  floor: number;
  /** Products with ready work that would be served before this one (lower pass, or tie won). */
  servedBefore: string[];
  /** Critical jobs are placed before the rotation; the term does not apply to them. */
  bypassed: boolean;
}

export function fairnessTermOf(productId: string, competitors: readonly FairShareCandidate[], floor: number, critical: boolean): FairnessTerm {
  const self = competitors.find((c) => c.productId === productId) ?? { productId, pass: 0, share: DEFAULT_SHARE };
  const pass = effectivePass(self.pass, floor);
  const servedBefore = competitors
    .filter((c) => c.productId !== productId)
    .filter((c) => {
      const other = effectivePass(c.pass, floor);
      return other < pass || (other === pass && (c.share > self.share || (c.share === self.share && c.productId < productId)));
    })
    .map((c) => c.productId)
    .sort();
  return { productId, share: self.share, pass, floor, servedBefore, bypassed: critical };
}
