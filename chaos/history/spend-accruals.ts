import { utcDayOf } from "../../coordinator/lifecycle/budget-window.js";
import type { HistoryView, Point } from "./history-view.js";
import { invocationOf, isBefore } from "./history-view.js";
import type { CommitOp } from "./operation.js";

/** One change of a job's accrued spend as the store applied it: the day it counts on is the day
 * of the write (the run's end, on the coordinator's clock). */
export interface SpendAccrual {
  commit: CommitOp;
  productId: string;
  day: string;
  micro: number;
}

/** Every change of the jobs' recorded spend (JobDoc.spend), in history order. */
export function spendAccruals(view: HistoryView): SpendAccrual[] {
  const accruals: SpendAccrual[] = [];
  for (const commits of view.commitsByJob.values()) {
    let before = 0;
    for (const commit of commits) {
      const after = commit.spendMicro ?? 0;
      if (after !== before) accruals.push({ commit, productId: commit.productId ?? "", day: utcDayOf(commit.invokedAt), micro: after - before });
      before = after;
    }
  }
  return accruals.sort((a, b) => (isBefore(invocationOf(a.commit), invocationOf(b.commit)) ? -1 : 1));
}

/** Micro-USD a product accrued on days in [start, end) strictly before `point`. */
export function spentBefore(accruals: readonly SpendAccrual[], productId: string, window: { start: number; end: number | undefined }, point: Point): number {
  const first = utcDayOf(window.start);
  const last = window.end === undefined ? undefined : utcDayOf(window.end - 1);
  let total = 0;
  for (const accrual of accruals) {
    if (!isBefore(invocationOf(accrual.commit), point)) break;
    if (accrual.productId === productId && accrual.day >= first && (last === undefined || accrual.day <= last)) total += accrual.micro;
  }
  return total;
}
