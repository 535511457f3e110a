import type { BudgetDoc, PauseMode } from "../../contracts/index.js";
import { type BudgetWindowBounds, budgetWindowAt } from "./budget-window.js";
import { fromMicroUsd, toMicroUsd as toMicro } from "./run-cost.js";

/** Whether a product may receive new assignments, and if not, who paused it and how. */
export interface ProductGate {
  open: boolean;
  /** `operator`: an operator's pause; `ceiling`: the window's spend reached the ceiling. */
  pausedBy: "operator" | "ceiling" | null;
  /** What the pause does to work already handed out (finish, drain, stop); null when open. */
  mode: PauseMode | null;
  reason: string | null;
  window: BudgetWindowBounds;
  spentUsd: number;
  ceilingUsd: number | null;
  /** What is left of the ceiling (never negative); null without a ceiling. */
  remainingUsd: number | null;
}

/**
 * The product's gate at `now`, from its controls and the spend accrued in the current window.
 * An operator pause wins over the ceiling. A ceiling pause is DERIVED, never stored: it holds
 * exactly while the window's spend is at or above the ceiling, so a window rolling over (or a
 * raised ceiling) resumes the product by itself, and a restart cannot lose or invent it.
 * Without a ceiling there is no ratio and nothing to divide: the product is open unless an
 * operator paused it. Pure.
 */
export function productGate(budget: BudgetDoc | undefined, spentInWindowMicro: number, window: BudgetWindowBounds): ProductGate {
  const spentUsd = fromMicroUsd(spentInWindowMicro);
  const ceilingUsd = budget?.ceilingUsd ?? null;
  const remainingUsd = ceilingUsd === null ? null : Math.max(0, fromMicroUsd(toMicro(ceilingUsd) - spentInWindowMicro));
  const base = { window, spentUsd, ceilingUsd, remainingUsd };
  if (budget?.pause !== undefined) {
    return { ...base, open: false, pausedBy: "operator", mode: budget.pause.mode, reason: budget.pause.reason };
  }
  if (ceilingUsd !== null && spentInWindowMicro >= toMicro(ceilingUsd)) {
    return {
      ...base,
      open: false,
      pausedBy: "ceiling",
      mode: budget!.onCeiling,
      reason: `spend ${spentUsd.toFixed(2)} USD reached the ceiling of ${ceilingUsd.toFixed(2)} USD for this window`,
    };
  }
  return { ...base, open: true, pausedBy: null, mode: null, reason: null };
}

/** The window of a product's budget at `now`; without a budget, all time (nothing is counted against it). */
export function windowOfBudget(budget: BudgetDoc | undefined, now: number): BudgetWindowBounds {
  if (budget === undefined) return { start: 0, end: undefined };
  return budgetWindowAt(budget.window, budget.windowStart, now);
}

/**
 * Hold-back: with the setting on and a ceiling set, a job whose own `budget.usd` is more than
 * what is left stays queued (it would overrun the ceiling if it spent its budget). Jobs without a
 * `budget.usd` are never held back. Pure.
 */
export function holdsBack(budget: BudgetDoc | undefined, gate: ProductGate, jobBudgetUsd: number | undefined): boolean {
  if (budget?.holdBack !== true || gate.remainingUsd === null || jobBudgetUsd === undefined) return false;
  return toMicro(jobBudgetUsd) > toMicro(gate.remainingUsd);
}
