import type { JobDoc } from "../../contracts/index.js";
import { utcDayOf } from "./budget-window.js";

/** USD to integer micro-USD: sums of integers are exact in any order, so the spend rebuilt at
 * start is bit-for-bit the spend accrued run by run. */
export function toMicroUsd(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function fromMicroUsd(micro: number): number {
  return micro / 1_000_000;
}

/**
 * Records what an ending run cost on the job itself, in the same document change that ends the
 * run. This IS the accrual: there is no second write to forget or to repeat. A run that reports
 * no cost (or 0) leaves the job unchanged.
 */
export function withRunCost(job: JobDoc, costUsd: number | undefined, endedAt: number): JobDoc {
  if (costUsd === undefined) return job;
  const micro = toMicroUsd(costUsd);
  if (micro <= 0) return job;
  const day = utcDayOf(endedAt);
  const spend = job.spend ?? { microUsd: 0, byDay: {} };
  return { ...job, spend: { microUsd: spend.microUsd + micro, byDay: { ...spend.byDay, [day]: (spend.byDay[day] ?? 0) + micro } } };
}
