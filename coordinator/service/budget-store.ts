import { type BudgetDoc, budgetDocId, FleetError } from "../../contracts/index.js";
import { isStoreError, type StorePort, type Stored } from "../../store/port.js";

const MAX_ATTEMPTS = 5;

/**
 * The products' control documents (container `budgets`), cached in full: there is one per product
 * that has a budget, a pause or weights, so all of them are loaded at start and every read after
 * that is from memory. Each change is one conditional write (create, or replace with If-Match);
 * on a conflict the document is re-read and the change decided again.
 */
export class BudgetStore {
  private readonly docs = new Map<string, Stored<BudgetDoc>>();

  constructor(private readonly store: StorePort) {}

  async load(): Promise<BudgetDoc[]> {
    this.docs.clear();
    let continuation: string | undefined;
    do {
      const page = await this.store.query("budgets", { limit: 1000, ...(continuation === undefined ? {} : { continuation }) });
      for (const item of page.items) this.docs.set(item.doc.productId, item);
      continuation = page.continuation;
    } while (continuation !== undefined);
    return [...this.docs.values()].map((stored) => stored.doc);
  }

  get(productId: string): BudgetDoc | undefined {
    return this.docs.get(productId)?.doc;
  }

  all(): BudgetDoc[] {
    return [...this.docs.values()].map((stored) => stored.doc);
  }

  /** Applies `decide` to the current document (undefined: none yet) and commits the result. */
  async mutate(productId: string, decide: (current: BudgetDoc | undefined) => BudgetDoc): Promise<BudgetDoc> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = this.docs.get(productId);
      const next = decide(current?.doc);
      if (current !== undefined && next === current.doc) return next;
      try {
        const stored = current === undefined ? await this.store.create("budgets", next) : await this.store.replace("budgets", next, current.etag);
        this.docs.set(productId, stored);
        return stored.doc;
      } catch (error) {
        if (!isStoreError(error, "conflict") && !isStoreError(error, "already_exists") && !isStoreError(error, "timeout")) throw error;
        const fresh = await this.store.get("budgets", budgetDocId(productId), productId);
        if (fresh === undefined) this.docs.delete(productId);
        else this.docs.set(productId, fresh);
        // A timed-out write that landed: the store holds exactly what we meant to write.
        if (isStoreError(error, "timeout") && fresh !== undefined && fresh.doc.revision === next.revision && fresh.doc.updatedAt === next.updatedAt) return fresh.doc;
      }
    }
    throw new FleetError("STORE_UNAVAILABLE", `the budget of product ${productId} kept changing while it was written; retry`);
  }
}
