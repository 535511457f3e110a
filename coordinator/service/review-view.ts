import { isoTime, type JobDoc, type ReviewPolicyPatch, type ReviewView } from "../../contracts/index.js";
import { effectiveReviewPolicy } from "../lifecycle/review-policy.js";
import { countedApprovals } from "../lifecycle/review-round.js";
import { runOfEpoch } from "../lifecycle/runs.js";
import { awaitsReview } from "../lifecycle/transitions.js";

/** `GET /fleet/jobs/:id/review`: the policy in force, the latest round, what is under review. */
export function reviewViewOf(job: JobDoc, productPolicy: ReviewPolicyPatch | undefined): ReviewView {
  const { policy, sources } = effectiveReviewPolicy(productPolicy, job.reviewPolicy);
  const review = job.review;
  const run = review === undefined ? undefined : runOfEpoch(job, review.epoch);
  const deliverable =
    run === undefined || (run.branch === undefined && run.commit === undefined && run.prUrl === undefined)
      ? null
      : { ...(run.branch === undefined ? {} : { branch: run.branch }), ...(run.commit === undefined ? {} : { commit: run.commit }), ...(run.prUrl === undefined ? {} : { prUrl: run.prUrl }) };
  return {
    jobId: job.id,
    stage: job.stage,
    awaitingReview: awaitsReview(job),
    policy,
    sources,
    round:
      review === undefined
        ? null
        : {
            number: review.round,
            state: review.state,
            epoch: review.epoch,
            policy: review.policy,
            approvals: { counted: countedApprovals(review), needed: review.policy.approvals },
            openedAt: isoTime(review.openedAt),
            openedBy: review.openedBy,
            ...(review.closedAt === undefined ? {} : { closedAt: isoTime(review.closedAt) }),
            decisions: review.decisions.map((d) => ({ reviewer: d.reviewer, roles: d.roles, verdict: d.verdict, ...(d.comment === undefined ? {} : { comment: d.comment }), at: isoTime(d.at) })),
          },
    deliverable,
  };
}
