import { FleetError, isTerminal, type Checkpoint, type JobDoc, type ReviewPolicy, type ReviewPolicyPatch, type ReviewVerdict } from "../../contracts/index.js";
import { finishJob } from "./finish-job.js";
import { eventActorOf, withEvent } from "./job-events.js";
import { requeueJob } from "./requeue.js";
import { effectiveReviewPolicy, mayReview } from "./review-policy.js";
import { awaitingReason, countedApprovals, openRound, withDecision } from "./review-round.js";
import { runOfEpoch } from "./runs.js";
import { type Actor, assertJobTransition, awaitsReview } from "./transitions.js";

/**
 * The review gate (docs/adr/0008-the-review-gate.md). Pure decisions, each one conditional write:
 * - a passing attempt (a shipped release) ships, opens a review round, or rests at `testing`,
 *   as its policy says (passAttempt);
 * - an operator asks for reviews of a job (requestReview);
 * - a reviewer approves, requests changes or rejects (decideReview): quorum moves the job on,
 *   changes send it back to the queue (epoch + 1) from the reviewed work, a rejection fails it.
 */

/** Resting stages drop what belonged to the attempt: the lease, the outbox marker, a backoff, a preemption. */
function withoutAttempt(job: JobDoc): JobDoc {
  const next = { ...job };
  delete next.lease;
  delete next.outbox;
  delete next.notBefore;
  delete next.preemption;
  return next;
}

/** The job rests at `testing` until a person ships it (autoship off). */
function restAtTesting(job: JobDoc, actor: Actor, now: number, reason: string): JobDoc {
  assertJobTransition(job, "testing", actor);
  const next: JobDoc = { ...withoutAttempt(job), stage: "testing", stageReason: reason, updatedAt: now };
  return withEvent(next, "passed", eventActorOf(actor), now, { autoship: false, reason });
}

/** Opens the next review round: the job rests at `review`, without a lease, until its reviewers decide. */
function openReview(job: JobDoc, policy: ReviewPolicy, actor: Actor, openedBy: string, now: number, comment?: string): JobDoc {
  assertJobTransition(job, "review", actor);
  const review = openRound(job, policy, openedBy, now);
  const next: JobDoc = { ...withoutAttempt(job), stage: "review", review, stageReason: awaitingReason(review), updatedAt: now };
  return withEvent(next, "review.awaiting", actor === "factory" ? "coordinator" : "operator", now, {
    round: review.round,
    epoch: review.epoch,
    approvals: policy.approvals,
    roles: policy.roles,
    openedBy,
    ...(comment === undefined ? {} : { comment }),
  });
}

/**
 * What a shipped release does (the lease holder is fenced before this is called):
 * - approvals needed: the job goes to `review` awaiting quorum; the lease is dropped (no factory
 *   works on it any more) and the run keeps its result `shipped` and its deliverable;
 * - none needed, autoship on: shipped (as without a gate);
 * - none needed, autoship off: it rests at `testing` for a person to ship it.
 */
export function passAttempt(job: JobDoc, productPolicy: ReviewPolicyPatch | undefined, now: number): JobDoc {
  const { policy } = effectiveReviewPolicy(productPolicy, job.reviewPolicy);
  if (policy.approvals > 0) return openReview(job, policy, "factory", "coordinator", now);
  if (policy.autoship) return finishJob(job, "shipped", "factory", now, {});
  return restAtTesting(job, "factory", now, "passed; waiting for a person to ship it (autoship is off)");
}

export interface ReviewRequest {
  approvals?: number;
  roles?: readonly string[];
  comment?: string;
  /** The operator key asking. */
  by: string;
}

/**
 * An operator asks for reviews of the job: at least `approvals` (default: its policy's, at least
 * one), from `roles` (default: its policy's). The request becomes the job's own policy, then:
 * - a job resting at `testing` (passed, no lease) goes to `review` at once: a new round;
 * - a job awaiting its reviewers gets the raised (or lowered) bar; quorum is checked again;
 * - a job not yet passed keeps running: its shipped release opens the round.
 * Asking again for what is already in force changes nothing (no write). A finished job is refused.
 */
export function requestReview(job: JobDoc, request: ReviewRequest, productPolicy: ReviewPolicyPatch | undefined, now: number): JobDoc {
  if (isTerminal(job.stage)) {
    throw new FleetError("ILLEGAL_TRANSITION", `job ${job.id} is ${job.stage}: requeue it to run it again under a review`, { stage: job.stage }, { hint: false });
  }
  const current = effectiveReviewPolicy(productPolicy, job.reviewPolicy).policy;
  const approvals = request.approvals ?? Math.max(1, current.approvals);
  const roles = request.roles === undefined ? current.roles : [...new Set(request.roles)].sort();
  const own: ReviewPolicyPatch = { ...job.reviewPolicy, approvals, ...(request.roles === undefined ? {} : { roles }) };
  const policy: ReviewPolicy = { ...current, approvals, roles };
  const data = { approvals, roles, by: request.by, ...(request.comment === undefined ? {} : { comment: request.comment }) };
  if (awaitsReview(job)) {
    const review = job.review!;
    if (review.policy.approvals === approvals && sameRoles(review.policy.roles, roles)) return job;
    const raised: JobDoc = { ...job, reviewPolicy: own, review: { ...review, policy }, updatedAt: now };
    const recorded = withEvent({ ...raised, stageReason: awaitingReason(raised.review!) }, "review.requested", "operator", now, { ...data, round: review.round });
    return countedApprovals(recorded.review!) >= approvals ? reachQuorum(recorded, now) : recorded;
  }
  if (job.stage === "testing" && job.lease === undefined) {
    return openReview({ ...job, reviewPolicy: own }, policy, "operator", request.by, now, request.comment);
  }
  if (current.approvals === approvals && sameRoles(current.roles, roles)) return job;
  return withEvent({ ...job, reviewPolicy: own, updatedAt: now }, "review.requested", "operator", now, { ...data, when: "when its run passes" });
}

export interface ReviewerDecision {
  /** The operator key deciding, and the reviewer roles it holds. */
  reviewer: string;
  reviewerRoles: readonly string[];
  /** Load testers are scripts: they never review. */
  operatorRole: "operator" | "load-tester";
  verdict: ReviewVerdict;
  comment?: string;
}

/**
 * A reviewer's decision on the job awaiting its reviewers. The reviewer's latest decision in the
 * round replaces an earlier one; the same decision twice changes nothing (a retried click).
 * - approve: counted when the reviewer may review under the policy; at quorum the job ships
 *   (autoship) or rests at `testing`;
 * - request_changes: requeued at once (epoch + 1, no retry used) with the reviewed work as its
 *   checkpoint, so the next attempt resumes from it and reads the comment on the job;
 * - reject: failed, with the reviewer and the comment as the reason.
 */
export function decideReview(job: JobDoc, decision: ReviewerDecision, now: number): JobDoc {
  if (!awaitsReview(job)) {
    throw new FleetError(
      "ILLEGAL_TRANSITION",
      `job ${job.id} is ${job.stage} and does not await a review${job.review === undefined ? "" : ` (its round ${job.review.round} is ${job.review.state.replace("_", " ")})`}: request one with POST /fleet/jobs/:id/review/request`,
      { stage: job.stage, ...(job.review === undefined ? {} : { round: job.review.round, state: job.review.state }) },
      { hint: false },
    );
  }
  const review = job.review!;
  if (decision.operatorRole === "load-tester") {
    throw new FleetError("FORBIDDEN", `${decision.reviewer} is a load-tester key and cannot review: review with an operator key`, undefined, { hint: false });
  }
  if (!mayReview(review.policy, decision.reviewerRoles)) {
    const held = decision.reviewerRoles.length === 0 ? "none" : decision.reviewerRoles.join(", ");
    throw new FleetError(
      "FORBIDDEN",
      `this review needs a reviewer with role ${review.policy.roles.join(" or ")}; ${decision.reviewer} holds ${held}: review with a key that holds one (reviewerRoles)`,
      { roles: review.policy.roles, held: decision.reviewerRoles },
      { hint: false },
    );
  }
  const previous = review.decisions.find((d) => d.reviewer === decision.reviewer);
  if (previous !== undefined && previous.verdict === decision.verdict && previous.comment === decision.comment) return job;
  const entry = {
    reviewer: decision.reviewer,
    roles: [...decision.reviewerRoles],
    verdict: decision.verdict,
    ...(decision.comment === undefined ? {} : { comment: decision.comment }),
    at: now,
  };
  const decided = withDecision(review, entry);
  const recorded = withEvent({ ...job, review: decided, updatedAt: now }, "review.decision", "operator", now, {
    round: review.round,
    reviewer: entry.reviewer,
    roles: entry.roles,
    verdict: entry.verdict,
    ...(entry.comment === undefined ? {} : { comment: entry.comment }),
  });
  switch (decision.verdict) {
    case "approve":
      if (countedApprovals(decided) >= decided.policy.approvals) return reachQuorum(recorded, now);
      return { ...recorded, stageReason: awaitingReason(decided) };
    case "request_changes": {
      const reason = `changes requested by ${decision.reviewer}: ${decision.comment ?? ""}`.trim();
      const requeued = requeueJob(recorded, now, { actor: "reviewer", reason, consumeRetry: false, ...checkpointOfReviewed(recorded, decision) });
      return { ...requeued, review: { ...decided, state: "changes_requested", closedAt: now } };
    }
    case "reject": {
      const failed = finishJob(recorded, "failed", "reviewer", now, { reason: `rejected by ${decision.reviewer}: ${decision.comment ?? ""}`.trim() });
      return { ...failed, review: { ...decided, state: "rejected", closedAt: now } };
    }
  }
}

/** Quorum: the round is approved; the job ships by itself or rests at `testing` for a person. */
function reachQuorum(job: JobDoc, now: number): JobDoc {
  const review = job.review!;
  const approvers = review.decisions.filter((d) => d.verdict === "approve" && mayReview(review.policy, d.roles)).map((d) => d.reviewer);
  const approved = withEvent(job, "review.approved", "operator", now, { round: review.round, approvals: approvers.length, approvers });
  const closed = { ...review, state: "approved" as const, closedAt: now };
  if (review.policy.autoship) {
    const shipped = finishJob(approved, "shipped", "reviewer", now, { reason: `approved by ${approvers.join(", ")}` });
    return { ...shipped, review: closed };
  }
  const resting = restAtTesting(approved, "reviewer", now, `approved by ${approvers.join(", ")}; waiting for a person to ship it (autoship is off)`);
  return { ...resting, review: closed };
}

/** The next attempt resumes from the work under review: its run's branch and commit, when the engine reported them. */
function checkpointOfReviewed(job: JobDoc, decision: ReviewerDecision): { checkpoint?: Checkpoint } {
  const run = runOfEpoch(job, job.review!.epoch);
  if (run?.branch === undefined) return {};
  return {
    checkpoint: {
      ref: run.branch,
      ...(run.commit === undefined ? {} : { commit: run.commit }),
      ...(job.baseBranch === undefined ? {} : { base: job.baseBranch }),
      note: `changes requested by ${decision.reviewer}: ${decision.comment ?? ""}`.slice(0, 2000),
    },
  };
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((role, i) => role === [...b].sort()[i]);
}
