import { FENCING_CODES } from "../operation.js";
import type { HistoryView } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

/**
 * Liveness after healing (every job terminal within the drain bound), and proof that the faults
 * that were injected fired: a run that paused workers but fenced nothing, or submitted poison but
 * dead-lettered nothing, proves nothing.
 */
export function checkLiveness(view: HistoryView, options: { drainedInTime: boolean; stalledPastLease: number }): Violation[] {
  const violations: Violation[] = [];
  if (!options.drainedInTime) violations.push(violation("liveness", "liveness: not every job reached a terminal stage within the bound after healing"));
  const pauses = view.faults.filter((f) => f.fault === "agent-pause").length;
  const fenced = view.factoryOps.some((op) => op.outcome === "fail" && FENCING_CODES.has(op.code ?? "")) || view.ops.some((op) => op.kind === "observe" && op.what === "fenced");
  if (pauses > 0 && options.stalledPastLease === 0) violations.push(violation("fault-did-not-fire", `faults did not fire: ${pauses} workers were paused but none outlasted the lease it held`));
  else if (pauses > 0 && !fenced) violations.push(violation("fault-did-not-fire", `faults did not fire: ${pauses} workers were paused but no call was fenced`));
  const poison = view.poisonJobs();
  const deadLettered = [...view.commitsByJob.values()].some((commits) => commits.some((c) => c.stage === "dead_letter"));
  if (poison.size > 0 && !deadLettered) violations.push(violation("fault-did-not-fire", `faults did not fire: ${poison.size} poison jobs but no dead letter`));
  return violations;
}
