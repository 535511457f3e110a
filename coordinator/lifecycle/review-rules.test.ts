import { describe, expect, it } from "vitest";
import { JobDoc, type ReviewPolicyPatch } from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { acceptLease } from "./accept-lease.js";
import { assignJob } from "./assign-job.js";
import { markArtifactsDeleted } from "./artifact-pointers.js";
import { applyOperatorAction } from "./operator-action.js";
import { releaseLease } from "./release-lease.js";
import { decideReview, type ReviewerDecision, requestReview } from "./review-gate.js";
import { effectiveReviewPolicy } from "./review-policy.js";
import { canTransition } from "./transitions.js";

const T0 = 1_000_000;
const running = (overrides: Partial<JobDoc> = {}) =>
  acceptLease(assignJob(queuedJob(overrides), { pool: "general", acceptTimeoutMs: 60_000 }, T0), { epoch: 1, factoryId: "f1", pool: "general", leaseMs: 30_000 }, T0 + 1);
const ship = (job: JobDoc, product?: ReviewPolicyPatch, extra: Record<string, unknown> = {}) =>
  releaseLease(job, { leaseEpoch: job.leaseEpoch, outcome: "shipped", ...extra }, "f1", T0 + 10, product);
const reviewer = (id: string, verdict: ReviewerDecision["verdict"], extra: Partial<ReviewerDecision> = {}): ReviewerDecision => ({
  reviewer: id,
  reviewerRoles: [],
  operatorRole: "operator",
  verdict,
  ...(verdict === "approve" ? {} : { comment: `${id} says no` }),
  ...extra,
});
const valid = (job: JobDoc) => expect(JobDoc.safeParse(job).error?.message).toBeUndefined();

describe("the review policy", () => {
  it("takes each field from the job, else the product, else the defaults", () => {
    expect(effectiveReviewPolicy(undefined, undefined)).toEqual({ policy: { approvals: 0, roles: [], autoship: true }, sources: { approvals: "default", roles: "default", autoship: "default" } });
    expect(effectiveReviewPolicy({ approvals: 2, roles: ["security"], autoship: false }, { approvals: 1 })).toEqual({
      policy: { approvals: 1, roles: ["security"], autoship: false },
      sources: { approvals: "job", roles: "product", autoship: "product" },
    });
  });
});

describe("a shipped release under the review gate", () => {
  it("ships as before when no approvals are needed and autoship is on", () => {
    const shipped = ship(running());
    expect(shipped.stage).toBe("shipped");
    expect(shipped.review).toBeUndefined();
  });

  it("rests at testing without a lease when autoship is off, and an operator ships it", () => {
    const resting = ship(running(), { autoship: false });
    expect(resting).toMatchObject({ stage: "testing", stageReason: "passed; waiting for a person to ship it (autoship is off)" });
    expect(resting.lease).toBeUndefined();
    expect(resting.runs[0]!.result).toBe("shipped");
    expect(resting.events.at(-1)).toMatchObject({ type: "passed", actor: "factory", data: { autoship: false } });
    valid(resting);
    expect(applyOperatorAction(resting, "ship", T0 + 20).stage).toBe("shipped");
  });

  it("goes to review awaiting quorum, without a lease, keeping the run's result and deliverable", () => {
    const commit = "3f2a9c1d4b5e6f708192a3b4c5d6e7f8091a2b3c";
    const awaiting = ship(running({ reviewPolicy: { approvals: 2 } }), { roles: ["maintainer"] }, { branch: "fleet/k1/1", commit, prUrl: "https://git.example/acme/api/pull/7" });
    expect(awaiting.stage).toBe("review");
    expect(awaiting.lease).toBeUndefined();
    expect(awaiting.review).toEqual({ state: "awaiting", round: 1, epoch: 1, policy: { approvals: 2, roles: ["maintainer"], autoship: true }, openedAt: T0 + 10, openedBy: "coordinator", decisions: [] });
    expect(awaiting.stageReason).toBe("awaiting review: 0 of 2 approvals from maintainer");
    expect(awaiting.runs[0]).toMatchObject({ result: "shipped", branch: "fleet/k1/1", commit, prUrl: "https://git.example/acme/api/pull/7" });
    expect(awaiting.events.at(-1)).toMatchObject({ type: "review.awaiting", data: { round: 1, approvals: 2, roles: ["maintainer"] } });
    valid(awaiting);
  });

  it("keeps a job that awaits its reviewers out of an operator's ship, but lets an operator requeue or cancel it", () => {
    const awaiting = ship(running({ reviewPolicy: { approvals: 1 } }));
    expect(canTransition("review", "shipped", "operator", { awaitingReview: true })).toBe(false);
    expect(canTransition("review", "shipped", "operator", { awaitingReview: false })).toBe(true);
    expect(() => applyOperatorAction(awaiting, "ship", T0 + 20)).toThrow(/awaits its reviewers/);
    const requeued = applyOperatorAction(awaiting, "requeue", T0 + 20);
    expect(requeued).toMatchObject({ stage: "queued", leaseEpoch: 2, review: { state: "withdrawn", closedAt: T0 + 20 } });
    expect(applyOperatorAction(awaiting, "cancel", T0 + 20).review?.state).toBe("withdrawn");
  });
});

describe("review decisions", () => {
  const awaiting = (policy: ReviewPolicyPatch = { approvals: 2 }) => ship(running({ reviewPolicy: policy }));

  it("reaches quorum with distinct approvals and ships, with every decision on the timeline", () => {
    const one = decideReview(awaiting(), reviewer("op-a", "approve", { comment: "fine" }), T0 + 20);
    expect(one).toMatchObject({ stage: "review", stageReason: "awaiting review: 1 of 2 approvals" });
    expect(decideReview(one, reviewer("op-a", "approve", { comment: "fine" }), T0 + 21)).toBe(one);
    const again = decideReview(one, reviewer("op-a", "approve", { comment: "still fine" }), T0 + 21);
    expect(again.review?.decisions).toHaveLength(1);
    expect(again.stage).toBe("review");
    const two = decideReview(again, reviewer("op-b", "approve"), T0 + 30);
    expect(two).toMatchObject({ stage: "shipped", stageReason: "approved by op-a, op-b", review: { state: "approved", closedAt: T0 + 30 } });
    expect(two.events.slice(-4).map((e) => [e.type, e.actor])).toEqual([
      ["review.decision", "operator"],
      ["review.decision", "operator"],
      ["review.approved", "operator"],
      ["shipped", "operator"],
    ]);
    valid(two);
  });

  it("rests at testing at quorum when autoship is off", () => {
    const approved = decideReview(awaiting({ approvals: 1, autoship: false }), reviewer("op-a", "approve"), T0 + 20);
    expect(approved).toMatchObject({ stage: "testing", stageReason: "approved by op-a; waiting for a person to ship it (autoship is off)", review: { state: "approved" } });
    expect(approved.lease).toBeUndefined();
  });

  it("requeues on a request for changes with epoch + 1, no retry used, and the reviewed branch as checkpoint", () => {
    const job = ship(running({ reviewPolicy: { approvals: 1 }, baseBranch: "main" }), undefined, { branch: "fleet/k1/1", commit: "abcdef1" });
    const back = decideReview(job, reviewer("op-a", "request_changes", { comment: "rename the route" }), T0 + 20);
    expect(back).toMatchObject({
      stage: "queued",
      leaseEpoch: 2,
      retries: 0,
      checkpoint: { ref: "fleet/k1/1", commit: "abcdef1", base: "main", note: "changes requested by op-a: rename the route" },
      stageReason: "changes requested by op-a: rename the route",
      review: { state: "changes_requested", round: 1 },
    });
    valid(back);
    // The next attempt's passing release opens round 2.
    const rerun = acceptLease(assignJob(back, { pool: "general", acceptTimeoutMs: 60_000 }, T0 + 30), { epoch: 3, factoryId: "f2", pool: "general", leaseMs: 30_000 }, T0 + 31);
    const second = releaseLease(rerun, { leaseEpoch: 3, outcome: "shipped" }, "f2", T0 + 40);
    expect(second.review).toMatchObject({ state: "awaiting", round: 2, epoch: 3, decisions: [] });
  });

  it("fails the job on a rejection, with the reviewer and the reason", () => {
    const rejected = decideReview(awaiting(), reviewer("op-a", "reject", { comment: "wrong approach" }), T0 + 20);
    expect(rejected).toMatchObject({ stage: "failed", stageReason: "rejected by op-a: wrong approach", review: { state: "rejected" } });
    expect(rejected.events.at(-1)).toMatchObject({ type: "failed", actor: "operator" });
  });

  it("lets only reviewers with a named role decide, and never a load tester", () => {
    const job = awaiting({ approvals: 1, roles: ["security"] });
    expect(() => decideReview(job, reviewer("op-a", "approve", { reviewerRoles: ["maintainer"] }), T0 + 20)).toThrow(/role security; op-a holds maintainer/);
    expect(() => decideReview(job, reviewer("op-load", "approve", { operatorRole: "load-tester", reviewerRoles: ["security"] }), T0 + 20)).toThrow(/load-tester/);
    expect(decideReview(job, reviewer("op-s", "approve", { reviewerRoles: ["security", "maintainer"] }), T0 + 20).stage).toBe("shipped");
  });

  it("refuses a decision on a job that does not await a review", () => {
    expect(() => decideReview(running(), reviewer("op-a", "approve"), T0 + 20)).toThrow(/does not await a review/);
    const shipped = decideReview(awaiting({ approvals: 1 }), reviewer("op-a", "approve"), T0 + 20);
    expect(() => decideReview(shipped, reviewer("op-b", "approve"), T0 + 21)).toThrow(/round 1 is approved/);
  });
});

describe("review requests", () => {
  it("opens a round at once for a job resting at testing", () => {
    const resting = ship(running(), { autoship: false });
    const asked = requestReview(resting, { by: "op-a", approvals: 2, roles: ["security"], comment: "touches auth" }, { autoship: false }, T0 + 20);
    expect(asked).toMatchObject({ stage: "review", reviewPolicy: { approvals: 2, roles: ["security"] }, review: { state: "awaiting", round: 1, openedBy: "op-a", policy: { approvals: 2, roles: ["security"], autoship: false } } });
    expect(asked.events.at(-1)).toMatchObject({ type: "review.awaiting", actor: "operator", data: { comment: "touches auth" } });
    valid(asked);
  });

  it("records the request on a job that has not passed yet, so its shipped release awaits review", () => {
    const asked = requestReview(running(), { by: "op-a" }, undefined, T0 + 5);
    expect(asked).toMatchObject({ stage: "building", reviewPolicy: { approvals: 1 } });
    expect(asked.lease?.factoryId).toBe("f1");
    expect(requestReview(asked, { by: "op-a" }, undefined, T0 + 6)).toBe(asked);
    expect(ship(asked).stage).toBe("review");
  });

  it("raises or lowers the bar of an open round, and a lowered bar can complete it", () => {
    const one = decideReview(ship(running({ reviewPolicy: { approvals: 3 } })), reviewer("op-a", "approve"), T0 + 20);
    const lowered = requestReview(one, { by: "op-b", approvals: 1 }, undefined, T0 + 30);
    expect(lowered).toMatchObject({ stage: "shipped", review: { state: "approved" } });
    const raised = requestReview(one, { by: "op-b", approvals: 4 }, undefined, T0 + 30);
    expect(raised).toMatchObject({ stage: "review", stageReason: "awaiting review: 1 of 4 approvals" });
  });

  it("refuses a request for a finished job", () => {
    expect(() => requestReview(ship(running()), { by: "op-a" }, undefined, T0 + 20)).toThrow(/is shipped: requeue it/);
  });
});

describe("artifact pointers on release", () => {
  it("refuses keys and ids outside the attempt, and marks deletions once", () => {
    const job = running();
    const base = `acme/${job.id}/1/`;
    expect(() => ship(job, undefined, { artifacts: [{ name: "x", uri: "blob", key: `globex/${job.id}/1/x` }] })).toThrow(/outside this attempt/);
    expect(() => ship(job, undefined, { artifacts: [{ name: "x", uri: "blob", key: `${base}../2/x` }] })).toThrow(/outside this attempt/);
    expect(() => ship(job, undefined, { artifacts: [{ name: "x", uri: "blob", id: `${job.id}:2:1`, key: `${base}x` }] })).toThrow(/does not name this attempt/);
    const shipped = ship(job, undefined, { artifacts: [{ name: "log", uri: "blob", id: `${job.id}:1:log`, key: `${base}attempt.log`, kind: "log" }, { name: "elsewhere", uri: "https://x" }] });
    const marked = markArtifactsDeleted(shipped, new Set([`${base}attempt.log`]), "op-a", T0 + 50);
    expect(marked.runs[0]!.artifacts![0]).toMatchObject({ deletedAt: T0 + 50, deletedBy: "op-a" });
    expect(markArtifactsDeleted(marked, new Set([`${base}attempt.log`]), "retention", T0 + 60)).toBe(marked);
    valid(marked);
  });
});
