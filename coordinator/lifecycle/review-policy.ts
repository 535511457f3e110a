import { DEFAULT_REVIEW_POLICY, type ReviewPolicy, type ReviewPolicyPatch, type ReviewPolicySource } from "../../contracts/index.js";

export interface EffectiveReviewPolicy {
  policy: ReviewPolicy;
  sources: Record<keyof ReviewPolicy, ReviewPolicySource>;
}

/** The policy a job is held to: per field, the job's own over the product's over the defaults
 * (no approvals, any role, autoship on), as score weights are resolved. */
export function effectiveReviewPolicy(product: ReviewPolicyPatch | undefined, job: ReviewPolicyPatch | undefined): EffectiveReviewPolicy {
  const pick = <K extends keyof ReviewPolicy>(field: K): [ReviewPolicy[K], ReviewPolicySource] => {
    if (job?.[field] !== undefined) return [job[field] as ReviewPolicy[K], "job"];
    if (product?.[field] !== undefined) return [product[field] as ReviewPolicy[K], "product"];
    return [DEFAULT_REVIEW_POLICY[field], "default"];
  };
  const [approvals, approvalsFrom] = pick("approvals");
  const [roles, rolesFrom] = pick("roles");
  const [autoship, autoshipFrom] = pick("autoship");
  return { policy: { approvals, roles: [...roles], autoship }, sources: { approvals: approvalsFrom, roles: rolesFrom, autoship: autoshipFrom } };
}

/** Whether a reviewer holding `roles` may decide under `policy` (any reviewer when it names none). */
export function mayReview(policy: ReviewPolicy, roles: readonly string[]): boolean {
  return policy.roles.length === 0 || roles.some((role) => policy.roles.includes(role));
}
