import { RUNNING_STAGES } from "../../../contracts/index.js";
import { type HistoryView, completionOf, invocationOf, isBefore } from "../history-view.js";
import type { CommitOp, FactoryOp } from "../operation.js";
import { type Violation, violation } from "../violation.js";

/**
 * Stale writers are rejected, judged at the store: a factory call that took effect (its try was
 * answered ok and the store applied a write meanwhile) must have found the job in the state the
 * call was entitled to act on. An accept needs the job assigned at that epoch and not bound to
 * another factory; a renewal, report or release needs the epoch, the lease bound to the caller,
 * a running stage, and a lease not yet expired on the coordinator's clock.
 */
export function checkFencing(view: HistoryView): { violations: Violation[]; staleWritesAccepted: number } {
  const violations: Violation[] = [];
  for (const op of view.factoryOps) {
    if (op.outcome !== "ok") continue;
    const done = completionOf(op);
    if (done === undefined) continue;
    const start = invocationOf(op);
    const effects = view.commitsOf(op.jobId).filter((c) => isBefore(start, invocationOf(c)) && isBefore(invocationOf(c), done));
    const first = effects[0];
    if (first === undefined) continue;
    const before = view.stateBefore(op.jobId, invocationOf(first));
    const refusal = before === undefined ? "the job did not exist" : whyNotEntitled(op, before);
    if (refusal !== undefined) {
      violations.push(violation("stale-write", `stale write accepted: ${op.kind} of job ${op.jobId} by ${op.actor} for epoch ${op.epoch} took effect although ${refusal}`, op.jobId));
    }
  }
  return { violations, staleWritesAccepted: violations.length };
}

function whyNotEntitled(op: FactoryOp, state: CommitOp): string | undefined {
  if (state.epoch !== op.epoch) return `the job was at epoch ${state.epoch} ('${state.stage}')`;
  if (op.kind === "accept") {
    if (state.stage !== "assigned") return `the job was '${state.stage}', not assigned`;
    if (state.factoryId !== undefined && state.factoryId !== op.actor) return `epoch ${op.epoch} was already bound to ${state.factoryId}`;
    return undefined;
  }
  if (state.factoryId !== op.actor) return `the lease was held by ${state.factoryId ?? "nobody"}`;
  if (!RUNNING_STAGES.has(state.stage)) return `the job was '${state.stage}'`;
  if (state.expiresAt === undefined || op.invokedAt >= state.expiresAt) return `the lease had expired at ${state.expiresAt ?? "?"} (call at ${op.invokedAt})`;
  return undefined;
}
