import { isoTime, type ProductReviewPolicyView, type PutReviewPolicyBody, type ReviewPolicyPatch } from "../../contracts/index.js";
import { effectiveReviewPolicy } from "../lifecycle/review-policy.js";
import type { ProductControls } from "./product-controls.js";

/**
 * The products' review policies, kept on each product's control document with its budget, pause
 * and weights (ProductControls loads them all with one query at start and writes through), so a
 * release, which consults its product's policy, never reads the store for it.
 */
export class ReviewPolicies {
  constructor(private readonly controls: ProductControls) {}

  /** The product's part of every job's policy (undefined: the defaults). From memory. */
  of(productId: string): ReviewPolicyPatch | undefined {
    const settings = this.controls.reviewSettingsOf(productId);
    if (settings === undefined) return undefined;
    return {
      ...(settings.approvals === undefined ? {} : { approvals: settings.approvals }),
      ...(settings.roles === undefined ? {} : { roles: settings.roles }),
      ...(settings.autoship === undefined ? {} : { autoship: settings.autoship }),
    };
  }

  view(productId: string): ProductReviewPolicyView {
    const settings = this.controls.reviewSettingsOf(productId);
    const { policy, sources } = effectiveReviewPolicy(this.of(productId), undefined);
    const source = (field: keyof typeof sources) => (sources[field] === "product" ? "product" : "default") as "product" | "default";
    return {
      productId,
      policy,
      sources: { approvals: source("approvals"), roles: source("roles"), autoship: source("autoship") },
      updatedAt: settings === undefined ? null : isoTime(settings.updatedAt),
      updatedBy: settings?.updatedBy ?? null,
    };
  }

  async put(productId: string, body: PutReviewPolicyBody, by: string, now: number): Promise<ProductReviewPolicyView> {
    await this.controls.putReviewPolicy(productId, body, by, now);
    return this.view(productId);
  }
}
