import { z } from "zod";
import { EpochMs } from "./common.js";
import { CredentialId } from "./credential.js";
import { ReviewerRole } from "./reviewer-role.js";

export { ReviewerRole, ReviewerRoles } from "./reviewer-role.js";

/**
 * What a job needs before it may ship (docs/adr/0008-the-review-gate.md):
 * - approvals: distinct reviewers who approved the attempt under review; 0 means no review gate.
 * - roles: when not empty, only reviewers holding at least one of these roles may decide.
 * - autoship: a job that passed (its run shipped and, with approvals, its reviewers reached
 *   quorum) ships by itself; false: it rests at `testing` until a person ships it.
 */
export const ReviewPolicy = z
  .object({
    approvals: z.number().int().min(0).max(10),
    roles: z.array(ReviewerRole).max(10),
    autoship: z.boolean(),
  })
  .strict();
export type ReviewPolicy = z.infer<typeof ReviewPolicy>;

/** No review gate, and a passing job ships by itself: what a product and a job get unless told otherwise. */
export const DEFAULT_REVIEW_POLICY: ReviewPolicy = { approvals: 0, roles: [], autoship: true };

/** A job's own policy (`review` at submission) or a product's: any subset, merged per field, the
 * job's over the product's over the defaults. */
export const ReviewPolicyPatch = ReviewPolicy.partial()
  .strict()
  .meta({ description: "per field, the job's value overrides the product's, which overrides the defaults (approvals 0, any role, autoship on)", example: { approvals: 2, roles: ["maintainer"] } });
export type ReviewPolicyPatch = z.infer<typeof ReviewPolicyPatch>;

export type ReviewPolicySource = "job" | "product" | "default";

export const ReviewVerdict = z.enum(["approve", "request_changes", "reject"]);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** One reviewer's decision in a review round; a reviewer's later decision replaces the earlier one. */
export const ReviewDecision = z
  .object({
    reviewer: CredentialId,
    /** The reviewer roles the key held when deciding. */
    roles: z.array(ReviewerRole).max(10),
    verdict: ReviewVerdict,
    comment: z.string().max(2000).optional(),
    at: EpochMs,
  })
  .strict();
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** awaiting: the job rests at `review` for its reviewers; approved, changes_requested, rejected: the
 * round's outcome; withdrawn: an operator moved the job away (requeue, cancel, reject) first. */
export const ReviewRoundState = z.enum(["awaiting", "approved", "changes_requested", "rejected", "withdrawn"]);
export type ReviewRoundState = z.infer<typeof ReviewRoundState>;

/** The job's latest review round, on the job document (earlier rounds live on its timeline). */
export const JobReview = z
  .object({
    state: ReviewRoundState,
    /** 1 for the first round; every passing attempt that needs review opens the next one. */
    round: z.number().int().positive(),
    /** The attempt (lease epoch) whose work is under review. */
    epoch: z.number().int().nonnegative(),
    /** The policy in force when the round opened (a later request may raise it). */
    policy: ReviewPolicy,
    openedAt: EpochMs,
    /** "coordinator" when a passing release opened it; else the operator key that asked. */
    openedBy: z.string().min(1).max(200),
    decisions: z.array(ReviewDecision).max(50),
    closedAt: EpochMs.optional(),
  })
  .strict();
export type JobReview = z.infer<typeof JobReview>;

/**
 * A product's review policy as stored: on the product's control document (container `budgets`,
 * `BudgetDoc.review`, beside its budget, pause and weights), which the coordinator loads with one
 * query at start and writes through, so a release never reads the store for it. Fields left out
 * take the defaults.
 */
export const ProductReviewSettings = ReviewPolicy.partial()
  .extend({ updatedAt: EpochMs, updatedBy: z.string().min(1).max(200) })
  .strict();
export type ProductReviewSettings = z.infer<typeof ProductReviewSettings>;

/** `PUT /fleet/review-policies/:productId`: fields left out keep their value; null takes the default again. */
export const PutReviewPolicyBody = z
  .object({
    approvals: ReviewPolicy.shape.approvals.nullable().optional(),
    roles: ReviewPolicy.shape.roles.nullable().optional(),
    autoship: ReviewPolicy.shape.autoship.nullable().optional(),
  })
  .strict();
export type PutReviewPolicyBody = z.infer<typeof PutReviewPolicyBody>;

/** `POST /fleet/jobs/:id/review/request`: ask for reviews of this job before it ships. */
export const RequestReviewBody = z
  .object({
    approvals: z.number().int().min(1).max(10).optional().meta({ description: "approvals needed (default: the job's policy, at least 1)" }),
    roles: z.array(ReviewerRole).max(10).optional().meta({ description: "only reviewers with one of these roles may decide (default: the job's policy)" }),
    comment: z.string().max(2000).optional(),
  })
  .strict();
export type RequestReviewBody = z.infer<typeof RequestReviewBody>;
/** The body is optional: none, an empty body and `{}` all ask with the job's policy. */
export const OptionalRequestReviewBody = RequestReviewBody.nullish().transform((body) => body ?? {});

/** `POST /fleet/jobs/:id/review`: one reviewer's decision. Changes and rejections say why. */
export const SubmitReviewBody = z
  .object({
    verdict: ReviewVerdict,
    comment: z.string().max(2000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.verdict !== "approve" && (body.comment === undefined || body.comment.trim() === "")) {
      ctx.addIssue({ code: "custom", path: ["comment"], message: `a ${body.verdict === "reject" ? "rejection" : "request for changes"} needs a comment saying why (the next attempt reads it)` });
    }
  });
export type SubmitReviewBody = z.infer<typeof SubmitReviewBody>;
