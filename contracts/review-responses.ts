import { z } from "zod";
import { Id } from "./common.js";
import { IsoTime } from "./iso-time.js";
import { ReviewerRole, ReviewPolicy, ReviewRoundState, ReviewVerdict } from "./review.js";
import { Stage } from "./stage.js";

const PolicySource = z.enum(["job", "product", "default"]);
const Sources = z.object({ approvals: PolicySource, roles: PolicySource, autoship: PolicySource });

const EXAMPLE_JOB = "j-4b1c0a9e1f2d3c4b5a69788776655443";

/** `GET /fleet/jobs/:id/review`: the gate as a person reads it. */
export const ReviewView = z
  .object({
    jobId: Id,
    stage: Stage,
    awaitingReview: z.boolean().meta({ description: "the job rests at review until its reviewers reach quorum, request changes or reject it" }),
    policy: ReviewPolicy.meta({ description: "the policy in force for the job now: the job's own over the product's over the defaults" }),
    sources: Sources.meta({ description: "where each field of the policy comes from" }),
    round: z
      .object({
        number: z.number().int().positive(),
        state: ReviewRoundState,
        epoch: z.number().int().nonnegative().meta({ description: "the attempt whose work is under review" }),
        policy: ReviewPolicy.meta({ description: "the policy the round opened with" }),
        approvals: z.object({ counted: z.number().int().nonnegative(), needed: z.number().int().nonnegative() }),
        openedAt: IsoTime,
        openedBy: z.string(),
        closedAt: IsoTime.optional(),
        decisions: z.array(z.object({ reviewer: z.string(), roles: z.array(ReviewerRole), verdict: ReviewVerdict, comment: z.string().optional(), at: IsoTime })),
      })
      .nullable()
      .meta({ description: "the latest review round, null before the first" }),
    deliverable: z
      .object({ branch: z.string().optional(), commit: z.string().optional(), prUrl: z.string().optional() })
      .nullable()
      .meta({ description: "what the attempt under review delivered, when its engine reported it" }),
  })
  .meta({
    id: "ReviewView",
    example: {
      jobId: EXAMPLE_JOB,
      stage: "review",
      awaitingReview: true,
      policy: { approvals: 2, roles: ["maintainer"], autoship: true },
      sources: { approvals: "job", roles: "product", autoship: "default" },
      round: {
        number: 1,
        state: "awaiting",
        epoch: 1,
        policy: { approvals: 2, roles: ["maintainer"], autoship: true },
        approvals: { counted: 1, needed: 2 },
        openedAt: "2026-01-31T09:31:12.000Z",
        openedBy: "coordinator",
        decisions: [{ reviewer: "op-alice", roles: ["maintainer"], verdict: "approve", comment: "looks right", at: "2026-01-31T09:40:00.000Z" }],
      },
      deliverable: { branch: "fleet/build-api/1", commit: "3f2a9c1d4b5e6f708192a3b4c5d6e7f8091a2b3c", prUrl: "https://github.com/acme/api/pull/42" },
    },
  });
export type ReviewView = z.infer<typeof ReviewView>;

/** `GET` and `PUT /fleet/review-policies/:productId`. */
export const ProductReviewPolicyView = z
  .object({
    productId: Id,
    policy: ReviewPolicy.meta({ description: "what a job of the product gets unless its own policy says otherwise" }),
    sources: z.object({ approvals: z.enum(["product", "default"]), roles: z.enum(["product", "default"]), autoship: z.enum(["product", "default"]) }),
    updatedAt: IsoTime.nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({
    id: "ProductReviewPolicy",
    example: {
      productId: "acme",
      policy: { approvals: 1, roles: ["maintainer"], autoship: false },
      sources: { approvals: "product", roles: "product", autoship: "product" },
      updatedAt: "2026-01-31T09:00:00.000Z",
      updatedBy: "op-acme",
    },
  });
export type ProductReviewPolicyView = z.infer<typeof ProductReviewPolicyView>;
