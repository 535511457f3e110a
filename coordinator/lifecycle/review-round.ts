import type { JobDoc, JobReview, ReviewDecision, ReviewPolicy } from "../../contracts/index.js";
import { mayReview } from "./review-policy.js";

/** A fresh round for the attempt of the job's current epoch. */
export function openRound(job: JobDoc, policy: ReviewPolicy, openedBy: string, now: number): JobReview {
  return { state: "awaiting", round: (job.review?.round ?? 0) + 1, epoch: job.leaseEpoch, policy, openedAt: now, openedBy, decisions: [] };
}

/** The round's decisions with `decision` replacing the reviewer's earlier one: a reviewer's latest word counts. */
export function withDecision(review: JobReview, decision: ReviewDecision): JobReview {
  return { ...review, decisions: [...review.decisions.filter((d) => d.reviewer !== decision.reviewer), decision] };
}

/** Distinct reviewers whose latest decision approves and who may review under the round's policy. */
export function countedApprovals(review: JobReview): number {
  return review.decisions.filter((d) => d.verdict === "approve" && mayReview(review.policy, d.roles)).length;
}

/** "awaiting review: 1 of 2 approvals (roles maintainer, security)": the stage reason while the round is open. */
export function awaitingReason(review: JobReview): string {
  const roles = review.policy.roles.length === 0 ? "" : ` from ${review.policy.roles.join(" or ")}`;
  return `awaiting review: ${countedApprovals(review)} of ${review.policy.approvals} approvals${roles}`;
}

/** An operator moved the job away from its reviewers (requeue, cancel, reject): the round is over. */
export function withdrawOpenReview(job: JobDoc, now: number): JobDoc {
  if (job.review?.state !== "awaiting") return job;
  return { ...job, review: { ...job.review, state: "withdrawn", closedAt: now } };
}
