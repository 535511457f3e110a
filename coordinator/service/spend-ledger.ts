import type { JobDoc, JobSpend } from "../../contracts/index.js";
import type { StorePort } from "../../store/port.js";
import { utcDayOf, utcDayStart } from "../lifecycle/budget-window.js";

interface ProductSpend {
  /** Days before this one are not counted (they precede every window asked about). */
  fromDay: string;
  days: Map<string, number>;
}

/**
 * Spend per product and UTC day, in integer micro-USD, kept equal to the sum of `JobDoc.spend`
 * over the product's jobs. It is a pure function of the stored jobs, so it is never written
 * anywhere: commits move it by the difference between a job's previous and next spend (which is
 * right however often a change is observed), and `load` rebuilds it from the store at start or
 * when a budget's window is widened. See docs/adr/0006-spend-recorded-on-the-job.md.
 */
export class SpendLedger {
  private readonly products = new Map<string, ProductSpend>();
  /** Jobs committed while a product's spend is being loaded: their latest spend wins over the query's. */
  private readonly loading = new Map<string, Map<string, JobSpend | undefined>>();

  tracks(productId: string): boolean {
    return this.products.has(productId);
  }

  /** The first day counted for the product, if it is tracked. */
  fromDay(productId: string): string | undefined {
    return this.products.get(productId)?.fromDay;
  }

  /** Applies one committed change; returns the micro-USD it added to the product's tracked days. */
  observe(previous: JobDoc | undefined, next: JobDoc): number {
    this.loading.get(next.productId)?.set(next.id, next.spend);
    const product = this.products.get(next.productId);
    if (product === undefined || previous?.spend === next.spend) return 0;
    let added = 0;
    for (const [day, micro] of Object.entries(next.spend?.byDay ?? {})) {
      const delta = micro - (previous?.spend?.byDay[day] ?? 0);
      if (delta !== 0 && day >= product.fromDay) {
        product.days.set(day, (product.days.get(day) ?? 0) + delta);
        added += delta;
      }
    }
    return added;
  }

  /** Micro-USD spent by the product on days in [start, end) (end undefined: open). */
  spentBetween(productId: string, start: number, end: number | undefined): number {
    const product = this.products.get(productId);
    if (product === undefined) return 0;
    const first = utcDayOf(start);
    const last = end === undefined ? undefined : utcDayOf(end - 1);
    let total = 0;
    for (const [day, micro] of product.days) if (day >= first && (last === undefined || day <= last)) total += micro;
    return total;
  }

  /** Micro-USD per tracked day. */
  days(productId: string): ReadonlyMap<string, number> {
    return this.products.get(productId)?.days ?? new Map();
  }

  /**
   * (Re)builds a product's spend from `fromMs` on: every job of the product updated since then
   * (a job that spent on a day has been written on or after that day), with the in-memory copy
   * of an active job and anything committed meanwhile taking precedence over what the query read.
   * Start-up and operator path only.
   */
  async load(store: StorePort, productId: string, fromMs: number, active: () => Iterable<JobDoc>): Promise<void> {
    const fromDay = utcDayOf(fromMs);
    const dirty = new Map<string, JobSpend | undefined>();
    this.loading.set(productId, dirty);
    try {
      const spends = new Map<string, JobSpend | undefined>();
      let continuation: string | undefined;
      do {
        const page = await store.query("jobs", {
          where: [
            { field: "productId", op: "=", value: productId },
            { field: "updatedAt", op: ">=", value: utcDayStart(fromDay) },
          ],
          limit: 1000,
          ...(continuation === undefined ? {} : { continuation }),
        });
        for (const item of page.items) spends.set(item.doc.id, item.doc.spend);
        continuation = page.continuation;
      } while (continuation !== undefined);
      for (const job of active()) if (job.productId === productId) spends.set(job.id, job.spend);
      for (const [id, spend] of dirty) spends.set(id, spend);
      const days = new Map<string, number>();
      for (const spend of spends.values()) {
        for (const [day, micro] of Object.entries(spend?.byDay ?? {})) if (day >= fromDay) days.set(day, (days.get(day) ?? 0) + micro);
      }
      this.products.set(productId, { fromDay, days });
    } finally {
      this.loading.delete(productId);
    }
  }

  /** Drops days before `fromMs` (they belong to windows that are over). */
  prune(productId: string, fromMs: number): void {
    const product = this.products.get(productId);
    if (product === undefined) return;
    const fromDay = utcDayOf(fromMs);
    if (fromDay <= product.fromDay) return;
    for (const day of product.days.keys()) if (day < fromDay) product.days.delete(day);
    product.fromDay = fromDay;
  }
}
