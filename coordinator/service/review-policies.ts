import { FleetError, isoTime, type ProductReviewPolicyView, type PutReviewPolicyBody, type ReviewPolicyDoc, type ReviewPolicyPatch, reviewPolicyDocId } from "../../contracts/index.js";
import { isStoreError, type StorePort, type Stored } from "../../store/port.js";
import { effectiveReviewPolicy } from "../lifecycle/review-policy.js";

const MAX_ATTEMPTS = 5;

/**
 * The products' review policies (container `policies`), cached in full: one small document per
 * product that set one, loaded at start and written through, so a release (which consults its
 * product's policy) never reads the store. Each change is one conditional write; on a conflict the
 * document is re-read and the change made again.
 */
export class ReviewPolicies {
  private readonly docs = new Map<string, Stored<ReviewPolicyDoc>>();

  constructor(private readonly store: StorePort) {}

  async load(): Promise<number> {
    this.docs.clear();
    let continuation: string | undefined;
    do {
      const page = await this.store.query("policies", { limit: 1000, ...(continuation === undefined ? {} : { continuation }) });
      for (const item of page.items) this.docs.set(item.doc.productId, item);
      continuation = page.continuation;
    } while (continuation !== undefined);
    return this.docs.size;
  }

  /** The product's part of every job's policy (undefined: the defaults). From memory. */
  of(productId: string): ReviewPolicyPatch | undefined {
    const doc = this.docs.get(productId)?.doc;
    if (doc === undefined) return undefined;
    return {
      ...(doc.approvals === undefined ? {} : { approvals: doc.approvals }),
      ...(doc.roles === undefined ? {} : { roles: doc.roles }),
      ...(doc.autoship === undefined ? {} : { autoship: doc.autoship }),
    };
  }

  view(productId: string): ProductReviewPolicyView {
    const doc = this.docs.get(productId)?.doc;
    const { policy, sources } = effectiveReviewPolicy(this.of(productId), undefined);
    const source = (field: keyof typeof sources) => (sources[field] === "product" ? "product" : "default") as "product" | "default";
    return {
      productId,
      policy,
      sources: { approvals: source("approvals"), roles: source("roles"), autoship: source("autoship") },
      revision: doc?.revision ?? 0,
      updatedAt: doc === undefined ? null : isoTime(doc.updatedAt),
      updatedBy: doc?.updatedBy ?? null,
    };
  }

  /** Sets the fields given (null: back to the default). A change that changes nothing writes nothing. */
  async put(productId: string, body: PutReviewPolicyBody, by: string, now: number): Promise<ProductReviewPolicyView> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = this.docs.get(productId);
      const next = applyPut(current?.doc, productId, body, by, now);
      if (current !== undefined && sameFields(current.doc, next)) return this.view(productId);
      try {
        const stored = current === undefined ? await this.store.create("policies", next) : await this.store.replace("policies", next, current.etag);
        this.docs.set(productId, stored);
        return this.view(productId);
      } catch (error) {
        if (!isStoreError(error, "conflict") && !isStoreError(error, "already_exists") && !isStoreError(error, "timeout")) throw error;
        const fresh = await this.store.get("policies", reviewPolicyDocId(productId), productId);
        if (fresh === undefined) this.docs.delete(productId);
        else this.docs.set(productId, fresh);
        // A timed-out write that landed: the store holds exactly what we meant to write.
        if (isStoreError(error, "timeout") && fresh !== undefined && fresh.doc.revision === next.revision && fresh.doc.updatedAt === next.updatedAt) return this.view(productId);
      }
    }
    throw new FleetError("STORE_UNAVAILABLE", `the review policy of product ${productId} kept changing while it was written; retry`);
  }
}

function applyPut(current: ReviewPolicyDoc | undefined, productId: string, body: PutReviewPolicyBody, by: string, now: number): ReviewPolicyDoc {
  const next: ReviewPolicyDoc = {
    ...(current ?? { id: reviewPolicyDocId(productId), productId, revision: 0, updatedAt: now, updatedBy: by }),
    revision: (current?.revision ?? 0) + 1,
    updatedAt: now,
    updatedBy: by,
  };
  for (const field of ["approvals", "roles", "autoship"] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else if (field === "roles") next.roles = [...new Set(value as string[])].sort();
    else (next as Record<string, unknown>)[field] = value;
  }
  return next;
}

function sameFields(a: ReviewPolicyDoc, b: ReviewPolicyDoc): boolean {
  return a.approvals === b.approvals && a.autoship === b.autoship && JSON.stringify(a.roles ?? null) === JSON.stringify(b.roles ?? null);
}
