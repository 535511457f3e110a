const BUCKET_MS = 60_000;
const BUCKETS = 60;

export type Ending = "shipped" | "failed" | "deadLettered" | "cancelled";
export type EndingCounts = Record<Ending, number>;

/**
 * How many jobs ended, and how, in the last hour, per product: sixty one-minute buckets each, in
 * memory, counted as the changes commit. Answers "shipped in the last hour" without a store query.
 */
export class TerminalTally {
  private readonly byProduct = new Map<string, { minute: number; counts: EndingCounts }[]>();

  constructor(private readonly now: () => number) {}

  count(productId: string, ending: Ending): void {
    const minute = Math.floor(this.now() / BUCKET_MS);
    let buckets = this.byProduct.get(productId);
    if (buckets === undefined) {
      buckets = [];
      this.byProduct.set(productId, buckets);
    }
    let bucket = buckets[buckets.length - 1];
    if (bucket?.minute !== minute) {
      bucket = { minute, counts: { shipped: 0, failed: 0, deadLettered: 0, cancelled: 0 } };
      buckets.push(bucket);
      while (buckets.length > 0 && buckets[0]!.minute <= minute - BUCKETS) buckets.shift();
    }
    bucket.counts[ending]++;
  }

  /** Endings in the last hour for one product, or for all (undefined). */
  lastHour(productScope: string | undefined): EndingCounts {
    const since = Math.floor(this.now() / BUCKET_MS) - BUCKETS;
    const total: EndingCounts = { shipped: 0, failed: 0, deadLettered: 0, cancelled: 0 };
    const products = productScope === undefined ? [...this.byProduct.values()] : [this.byProduct.get(productScope) ?? []];
    for (const buckets of products) {
      for (const bucket of buckets) {
        if (bucket.minute <= since) continue;
        total.shipped += bucket.counts.shipped;
        total.failed += bucket.counts.failed;
        total.deadLettered += bucket.counts.deadLettered;
        total.cancelled += bucket.counts.cancelled;
      }
    }
    return total;
  }
}
