import { FleetError, type JobDoc, type Stage } from "../../contracts/index.js";

/** Who asks for a transition. A factory may act only on a job whose current lease it holds; a
 * reviewer is an operator deciding on a job that awaits its reviewers. */
export type Actor = "coordinator" | "factory" | "operator" | "reviewer";

/** A fact about the job, beside its stage, that a rule may depend on. `awaiting-review`: the job
 * rests at `review` for its reviewers (no lease; see review-gate.ts). */
export type JobCondition = "awaiting-review" | "not-awaiting-review";

export interface TransitionFacts {
  awaitingReview: boolean;
}

interface TransitionRule {
  from: readonly Stage[];
  to: Stage;
  actors: readonly Actor[];
  /** The rule holds only when the job meets this condition. */
  only?: JobCondition;
  /** Why the transition exists; shown in docs and in ILLEGAL_TRANSITION errors. */
  why: string;
}

const ACTIVE: readonly Stage[] = ["queued", "blocked", "assigned", "building", "review", "testing"];
const RUNNING: readonly Stage[] = ["building", "review", "testing"];

/**
 * THE table of allowed transitions. Every stage change in the coordinator goes through
 * `assertTransition`; nothing else decides legality. Every return to `queued` bumps the epoch
 * (enforced by lifecycle/requeue.ts), which fences whoever held the job before.
 *
 * The review gate (docs/adr/0008-the-review-gate.md): a shipped release of a job whose policy
 * asks for approvals goes to `review` without a lease, and only its reviewers move it on from
 * there; nobody ships it by hand while it awaits them.
 */
export const TRANSITIONS: readonly TransitionRule[] = [
  { from: ["queued"], to: "assigned", actors: ["coordinator"], why: "the scheduler assigns a ready job to a pool (epoch + 1)" },
  { from: ["queued"], to: "blocked", actors: ["coordinator"], why: "a dependency is not yet satisfied" },
  { from: ["blocked"], to: "queued", actors: ["coordinator"], why: "every dependency is satisfied" },
  { from: ["assigned"], to: "building", actors: ["factory"], why: "a factory accepts the assignment for its epoch" },
  { from: ["assigned", ...RUNNING], to: "queued", actors: ["coordinator", "operator"], why: "lease expired, released for retry, drained, or requeued by an operator (epoch + 1)" },
  { from: ["building"], to: "review", actors: ["factory"], why: "the factory reports progress" },
  { from: ["building"], to: "testing", actors: ["factory"], why: "the factory reports progress" },
  { from: ["review"], to: "building", actors: ["factory"], why: "review asked for rework" },
  { from: ["review"], to: "testing", actors: ["factory"], why: "the factory reports progress" },
  { from: ["testing"], to: "building", actors: ["factory"], why: "tests asked for rework" },
  { from: ["testing"], to: "review", actors: ["factory"], why: "the factory reports progress" },
  { from: RUNNING, to: "shipped", actors: ["factory"], why: "the factory releases the lease with a shipped result (no approvals needed, autoship on)" },
  { from: RUNNING, to: "review", actors: ["factory"], why: "the factory releases as shipped and the review policy asks for approvals: the job awaits its reviewers, without a lease" },
  { from: RUNNING, to: "testing", actors: ["factory"], why: "the factory releases as shipped with autoship off and no approvals needed: the job rests at testing until a person ships it" },
  { from: ["testing"], to: "review", actors: ["operator"], only: "not-awaiting-review", why: "an operator asks for reviews of a job that passed and rests at testing" },
  { from: ["review"], to: "shipped", actors: ["reviewer"], only: "awaiting-review", why: "the reviewers reached quorum and autoship is on" },
  { from: ["review"], to: "testing", actors: ["reviewer"], only: "awaiting-review", why: "the reviewers reached quorum and autoship is off: the job rests at testing until a person ships it" },
  { from: ["review"], to: "queued", actors: ["reviewer"], only: "awaiting-review", why: "a reviewer requested changes: the job runs again (epoch + 1) from the reviewed work" },
  { from: ["review"], to: "failed", actors: ["reviewer"], only: "awaiting-review", why: "a reviewer rejected the job" },
  { from: ACTIVE, to: "shipped", actors: ["operator"], only: "not-awaiting-review", why: "an operator ships the job by hand (never one that awaits its reviewers: they ship it by quorum)" },
  { from: RUNNING, to: "failed", actors: ["factory"], why: "the factory releases with a non-retryable failure" },
  { from: ACTIVE, to: "failed", actors: ["operator"], why: "an operator rejects the job" },
  { from: ACTIVE, to: "dead_letter", actors: ["coordinator"], why: "retries exhausted, or the broker dead-lettered the assignment" },
  { from: ACTIVE, to: "cancelled", actors: ["operator"], why: "an operator cancels the job" },
  { from: ["failed", "dead_letter", "cancelled", "shipped"], to: "queued", actors: ["operator"], why: "an operator requeues or replays a finished job (epoch + 1)" },
];

interface IndexedRule {
  actor: Actor;
  only: JobCondition | undefined;
}

const INDEX = new Map<string, IndexedRule[]>();
for (const rule of TRANSITIONS) {
  for (const from of rule.from) {
    const key = `${from}>${rule.to}`;
    INDEX.set(key, [...(INDEX.get(key) ?? []), ...rule.actors.map((actor) => ({ actor, only: rule.only }))]);
  }
}

const NO_FACTS: TransitionFacts = { awaitingReview: false };

function holds(condition: JobCondition | undefined, facts: TransitionFacts): boolean {
  if (condition === undefined) return true;
  return condition === "awaiting-review" ? facts.awaitingReview : !facts.awaitingReview;
}

export function canTransition(from: Stage, to: Stage, actor: Actor, facts: TransitionFacts = NO_FACTS): boolean {
  return INDEX.get(`${from}>${to}`)?.some((rule) => rule.actor === actor && holds(rule.only, facts)) ?? false;
}

export function assertTransition(from: Stage, to: Stage, actor: Actor, facts: TransitionFacts = NO_FACTS): void {
  if (canTransition(from, to, actor, facts)) return;
  const conditional = INDEX.get(`${from}>${to}`)?.find((rule) => rule.actor === actor && !holds(rule.only, facts));
  if (conditional?.only === "not-awaiting-review") {
    throw new FleetError(
      "ILLEGAL_TRANSITION",
      `${articled(actor)} may not move a job that awaits its reviewers from '${from}' to '${to}': its reviewers decide (POST /fleet/jobs/:id/review), or requeue, reject or cancel it`,
      { from, to, actor, awaitingReview: true },
      { hint: false },
    );
  }
  if (conditional?.only === "awaiting-review") {
    throw new FleetError("ILLEGAL_TRANSITION", `the job is '${from}' but does not await a review, so no review decision applies: request one first (POST /fleet/jobs/:id/review/request)`, {
      from,
      to,
      actor,
      awaitingReview: false,
    }, { hint: false });
  }
  throw new FleetError("ILLEGAL_TRANSITION", `${articled(actor)} may not move a job from '${from}' to '${to}'`, { from, to, actor });
}

function articled(actor: Actor): string {
  return `${/^[aeiou]/.test(actor) ? "an" : "a"} ${actor}`;
}

/** Whether the job rests at `review` for its reviewers: what the gate's rules depend on. */
export function awaitsReview(job: Pick<JobDoc, "stage" | "lease" | "review">): boolean {
  return job.stage === "review" && job.lease === undefined && job.review?.state === "awaiting";
}

/** The table's answer for this job, with its facts. */
export function assertJobTransition(job: Pick<JobDoc, "stage" | "lease" | "review">, to: Stage, actor: Actor): void {
  assertTransition(job.stage, to, actor, { awaitingReview: awaitsReview(job) });
}
