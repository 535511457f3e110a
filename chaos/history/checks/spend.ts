import { utcDayOf } from "../../../coordinator/lifecycle/budget-window.js";
import { type HistoryView, invocationOf, isBefore } from "../history-view.js";
import type { CommitOp, FactoryOp } from "../operation.js";
import { spendAccruals } from "../spend-accruals.js";
import { type Violation, violation } from "../violation.js";

export interface SpendFigures {
  /** What the finished runs reported they cost, in all (micro-USD). */
  accruedMicro: number;
  /** Runs whose release reported a cost. */
  costedRuns: number;
  /** The coordinator's spend readings compared with the runs' costs. */
  readings: number;
}

const usd = (micro: number) => `${(micro / 1e6).toFixed(6).replace(/0+$/, "").replace(/\.$/, "")} USD`;

/**
 * Accrued spend equals the sum of the finished runs' reported cost, exactly, per product and
 * window: each release that ended a run added exactly the `costUsd` it reported to the job's
 * recorded spend, in the write that ended the run, and nothing else ever changed it (a retried
 * release, a restart between the write and the accrual, a fenced worker add nothing); and every
 * spend the coordinator reported (an operator's burndown reading, per UTC day of the window) is
 * the sum of the costs of the runs that ended in that window before the reading.
 */
export function checkSpend(view: HistoryView): { violations: Violation[]; figures: SpendFigures } {
  const violations: Violation[] = [];
  const releases = view.effectiveReleases();
  const byEffect = new Map<CommitOp, FactoryOp>(releases.map(({ release, effect }) => [effect, release]));
  for (const accrual of spendAccruals(view)) {
    const release = byEffect.get(accrual.commit);
    if (release === undefined) {
      violations.push(violation("spend-mismatch", `spend mismatch: job ${accrual.commit.jobId}'s recorded spend moved by ${usd(accrual.micro)} at ${accrual.commit.invokedAt} in a write that ended no run`, accrual.commit.jobId));
    } else if ((release.costMicro ?? 0) !== accrual.micro) {
      violations.push(
        violation("spend-mismatch", `spend mismatch: the run of job ${release.jobId} at epoch ${release.epoch} reported ${usd(release.costMicro ?? 0)} and the write that ended it accrued ${usd(accrual.micro)}`, release.jobId),
      );
    }
  }
  const accrued = new Set(spendAccruals(view).map((a) => a.commit));
  for (const { release, effect } of releases) {
    if ((release.costMicro ?? 0) > 0 && !accrued.has(effect)) {
      violations.push(violation("spend-mismatch", `spend mismatch: the run of job ${release.jobId} at epoch ${release.epoch} reported ${usd(release.costMicro!)} but the write that ended it accrued nothing`, release.jobId));
    }
  }
  for (const reading of view.spendReadings) {
    const first = utcDayOf(reading.windowStartsAt);
    const last = reading.windowEndsAt === undefined ? undefined : utcDayOf(reading.windowEndsAt - 1);
    const inWindow = (day: string) => day >= first && (last === undefined || day <= last);
    const expected = new Map<string, number>();
    for (const { release, effect } of releases) {
      if (effect.productId !== reading.productId || !isBefore(invocationOf(effect), invocationOf(reading)) || release.costMicro === undefined) continue;
      const day = utcDayOf(effect.invokedAt);
      if (inWindow(day)) expected.set(day, (expected.get(day) ?? 0) + release.costMicro);
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const days = [...new Set([...expected.keys(), ...Object.keys(reading.byDay)])].filter(inWindow).sort();
    const wrongDay = days.find((day) => (reading.byDay[day] ?? 0) !== (expected.get(day) ?? 0));
    if (reading.spentMicro !== total || wrongDay !== undefined) {
      const detail = wrongDay === undefined ? "" : `; on ${wrongDay} it reported ${usd(reading.byDay[wrongDay] ?? 0)} for ${usd(expected.get(wrongDay) ?? 0)}`;
      violations.push(
        violation(
          "spend-mismatch",
          `spend mismatch: at ${reading.invokedAt} the coordinator reported ${usd(reading.spentMicro)} spent by product ${reading.productId} in the window from ${first}, but the runs that ended in it cost ${usd(total)}${detail}`,
        ),
      );
    }
  }
  return {
    violations,
    figures: {
      accruedMicro: releases.reduce((sum, { release }) => sum + (release.costMicro ?? 0), 0),
      costedRuns: releases.filter(({ release }) => (release.costMicro ?? 0) > 0).length,
      readings: view.spendReadings.length,
    },
  };
}
