import { budgetWindowAt } from "../../../coordinator/lifecycle/budget-window.js";
import { HistoryView, invocationOf } from "../history-view.js";
import type { ControlOp } from "../operation.js";
import { spendAccruals, spentBefore } from "../spend-accruals.js";
import { type Violation, violation } from "../violation.js";

export interface PauseFigures {
  /** Operators' product pauses committed, by mode. */
  productPauses: Record<string, number>;
  poolPauses: number;
  poolDrains: number;
  /** Times a product's spend in its window reached the budget's ceiling (an automatic pause). */
  ceilingsReached: number;
  /** Assignments judged against the pauses and ceilings in force when they were committed. */
  assignmentsChecked: number;
}

/**
 * No assignment to a paused product or pool after the pause is committed, judged on the store's
 * commit order: an assignment commit must not come after the write of an operator's pause of its
 * product or pool that was still in force, nor after the write that took its product's spend in
 * the budget's window to the ceiling (a ceiling pause is derived from the spend, so the commit
 * that accrued the run reaching it is the pause's commit; a window rolling over lifts it).
 */
export function checkPausedAssignments(view: HistoryView): { violations: Violation[]; figures: PauseFigures } {
  const violations: Violation[] = [];
  const accruals = spendAccruals(view);
  let assignmentsChecked = 0;
  for (const [jobId, commits] of view.commitsByJob) {
    for (const commit of commits) {
      if (!HistoryView.isAssignment(commit) || commit.productId === undefined) continue;
      assignmentsChecked++;
      const at = invocationOf(commit);
      const product = view.controlBefore("product", commit.productId, at);
      const where = `job ${jobId} of product ${commit.productId} was assigned to pool ${commit.pool ?? "?"} at ${commit.invokedAt} (epoch ${commit.epoch})`;
      if (product?.paused === true) {
        violations.push(violation("assigned-while-paused", `assigned while paused: ${where} after the product's pause (mode ${product.mode ?? "?"}) was committed at ${product.invokedAt}`, jobId));
      }
      const pool = commit.pool === undefined ? undefined : view.controlBefore("pool", commit.pool, at);
      if (pool?.paused === true) {
        violations.push(violation("assigned-while-paused", `assigned while paused: ${where} after the pool's ${pool.mode === "drain" ? "drain" : "pause"} was committed at ${pool.invokedAt}`, jobId));
      }
      if (product?.ceilingMicro !== undefined && product.window !== undefined && product.windowStart !== undefined) {
        const window = budgetWindowAt(product.window, product.windowStart, commit.invokedAt);
        const spent = spentBefore(accruals, commit.productId, window, at);
        if (spent >= product.ceilingMicro) {
          violations.push(
            violation("assigned-while-paused", `assigned while paused: ${where} after the product's spend in its window (${spent / 1e6} USD) had reached the ceiling of ${product.ceilingMicro / 1e6} USD`, jobId),
          );
        }
      }
    }
  }
  return { violations, figures: { ...pausesCommitted(view), ceilingsReached: ceilingsReached(view), assignmentsChecked } };
}

function pausesCommitted(view: HistoryView): Pick<PauseFigures, "productPauses" | "poolPauses" | "poolDrains"> {
  const productPauses: Record<string, number> = {};
  let poolPauses = 0;
  let poolDrains = 0;
  for (const ops of view.controls.values()) {
    let before: ControlOp | undefined;
    for (const op of ops) {
      const newly = op.paused && (before?.paused !== true || before.mode !== op.mode);
      before = op;
      if (!newly) continue;
      if (op.scope === "product") productPauses[op.mode ?? "finish"] = (productPauses[op.mode ?? "finish"] ?? 0) + 1;
      else if (op.mode === "drain") poolDrains++;
      else poolPauses++;
    }
  }
  return { productPauses, poolPauses, poolDrains };
}

/** Accruals that took a product's spend in the window to (or past) its ceiling. */
function ceilingsReached(view: HistoryView): number {
  const accruals = spendAccruals(view);
  let reached = 0;
  for (const accrual of accruals) {
    const at = invocationOf(accrual.commit);
    const budget = view.controlBefore("product", accrual.productId, at);
    if (budget?.ceilingMicro === undefined || budget.window === undefined || budget.windowStart === undefined || accrual.micro <= 0) continue;
    const window = budgetWindowAt(budget.window, budget.windowStart, accrual.commit.invokedAt);
    const before = spentBefore(accruals, accrual.productId, window, at);
    if (before < budget.ceilingMicro && before + accrual.micro >= budget.ceilingMicro) reached++;
  }
  return reached;
}
