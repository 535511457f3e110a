import { FleetError, type Stage } from "../../contracts/index.js";

/** Who asks for a transition. A factory may act only on a job whose current lease it holds. */
export type Actor = "coordinator" | "factory" | "operator";

interface TransitionRule {
  from: readonly Stage[];
  to: Stage;
  actors: readonly Actor[];
  /** Why the transition exists; shown in docs and in ILLEGAL_TRANSITION errors. */
  why: string;
}

const ACTIVE: readonly Stage[] = ["queued", "blocked", "assigned", "building", "review", "testing"];
const RUNNING: readonly Stage[] = ["building", "review", "testing"];

/**
 * THE table of allowed transitions. Every stage change in the coordinator goes through
 * `assertTransition`; nothing else decides legality. Every return to `queued` bumps the epoch
 * (enforced by lifecycle/requeue.ts), which fences whoever held the job before.
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
  { from: RUNNING, to: "shipped", actors: ["factory"], why: "the factory releases the lease with a shipped result" },
  { from: ACTIVE, to: "shipped", actors: ["operator"], why: "an operator ships the job by hand" },
  { from: RUNNING, to: "failed", actors: ["factory"], why: "the factory releases with a non-retryable failure" },
  { from: ACTIVE, to: "failed", actors: ["operator"], why: "an operator rejects the job" },
  { from: ACTIVE, to: "dead_letter", actors: ["coordinator"], why: "retries exhausted, or the broker dead-lettered the assignment" },
  { from: ACTIVE, to: "cancelled", actors: ["operator"], why: "an operator cancels the job" },
  { from: ["failed", "dead_letter", "cancelled", "shipped"], to: "queued", actors: ["operator"], why: "an operator requeues or replays a finished job (epoch + 1)" },
];

const INDEX = new Map<string, readonly Actor[]>();
for (const rule of TRANSITIONS) {
  for (const from of rule.from) {
    const key = `${from}>${rule.to}`;
    INDEX.set(key, [...(INDEX.get(key) ?? []), ...rule.actors]);
  }
}

export function canTransition(from: Stage, to: Stage, actor: Actor): boolean {
  return INDEX.get(`${from}>${to}`)?.includes(actor) ?? false;
}

export function assertTransition(from: Stage, to: Stage, actor: Actor): void {
  if (!canTransition(from, to, actor)) {
    throw new FleetError("ILLEGAL_TRANSITION", `a ${actor} may not move a job from '${from}' to '${to}'`, { from, to, actor });
  }
}
