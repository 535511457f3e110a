import type { BudgetWindow, PauseMode } from "../../contracts/index.js";
import { nextOccurrence } from "../../coordinator/scheduler/cron-expression.js";
import type { SeededRandom } from "./seeded-random.js";

/** The products the workload is spread over; the budget, pauses and the schedule pick from them. */
export const PRODUCTS = ["acme", "globex"] as const;
export const SCHEDULE_NAME = "sweep";

/**
 * What the operators do during one run, drawn from the seed like the faults: a budget whose
 * ceiling is reached mid-run, product pauses in each mode, pool pauses and drains, bursts of
 * critical jobs that find every seat taken (preemption), delayed jobs, and a recurring schedule
 * with coordinator crashes placed across its occurrences. Times are virtual ms from the start.
 * At the heal the operators lift what is still in force (resume, raise the ceiling) so the run
 * can drain; the schedule is deleted later, between two occurrences, after the heal.
 */
export interface LeverPlan {
  budget: { productId: string; ceilingUsd: number; window: BudgetWindow; windowStart: string; onCeiling: PauseMode; holdBack: boolean; setAt: number } | undefined;
  productPauses: { at: number; productId: string; mode: PauseMode; forMs: number }[];
  poolPauses: { at: number; drain: boolean; forMs: number }[];
  criticalBursts: { at: number; count: number }[];
  /** Share of the workload submitted with a `notBefore` up to 20 s ahead. */
  notBeforeRate: number;
  schedule:
    | {
        productId: string;
        cron: string;
        timeZone: string;
        overlap: "skip" | "allow";
        createAt: number;
        pause: { at: number; forMs: number } | undefined;
        /** When the operator deletes it: ends the occurrences the checker expects. */
        deleteAt: number;
      }
    | undefined;
  /** Coordinator crashes across the schedule's occurrences (merged into the fault plan's crashes). */
  scheduleCrashes: { at: number; downMs: number; afterTick: boolean }[];
}

const MODES: readonly PauseMode[] = ["finish", "drain", "stop"];
const WINDOWS: readonly BudgetWindow[] = ["daily", "weekly", "monthly", "none"];
/** Every minute: the run's day boundary falls in the fault phase, so one occurrence falls among
 * the crashes; the time zones differ in their offsets, not in their minutes. */
const CRONS = ["* * * * *"];
const TIME_ZONES = ["UTC", "Asia/Kolkata", "America/New_York"];

/** `start` is the run's first instant (epoch ms): schedules and budget windows are calendar things. */
export function drawLeverPlan(random: SeededRandom, faultPhaseMs: number, start: number): LeverPlan {
  const product = () => PRODUCTS[random.int(0, PRODUCTS.length - 1)]!;
  const window = WINDOWS[random.int(0, WINDOWS.length - 1)]!;
  const budget = random.chance(0.85)
    ? {
        productId: product(),
        // Runs cost 0.10 to 3.00 USD: a handful of them reach the ceiling.
        ceilingUsd: random.int(300, 1500) / 100,
        window,
        // The run starts half a minute before midnight at the end of a month: the daily and
        // monthly windows roll over in the fault phase, the weekly and open ones do not.
        windowStart: window === "monthly" ? `${dayOf(start).slice(0, 8)}01` : dayOf(window === "weekly" ? start - 86_400_000 : start),
        onCeiling: MODES[random.int(0, 2)]!,
        holdBack: random.chance(0.3),
        setAt: random.int(0, 2000),
      }
    : undefined;
  const productPauses = Array.from({ length: random.int(0, 2) }, () => ({
    at: random.int(3000, faultPhaseMs - 10_000),
    productId: product(),
    mode: MODES[random.int(0, 2)]!,
    forMs: random.int(1000, 15_000),
  }));
  const poolPauses = Array.from({ length: random.chance(0.6) ? random.int(1, 2) : 0 }, () => ({
    at: random.int(3000, faultPhaseMs - 10_000),
    drain: random.chance(0.5),
    forMs: random.int(500, 6000),
  }));
  const criticalBursts = Array.from({ length: random.int(0, 2) }, () => ({ at: random.int(5000, faultPhaseMs / 2 + 5000), count: random.int(1, 3) }));
  const notBeforeRate = random.chance(0.6) ? random.next() * 0.3 : 0;
  const scheduleCrashes: LeverPlan["scheduleCrashes"] = [];
  let schedule: LeverPlan["schedule"];
  if (random.chance(0.8)) {
    const cron = CRONS[random.int(0, CRONS.length - 1)]!;
    const timeZone = TIME_ZONES[random.int(0, TIME_ZONES.length - 1)]!;
    const createAt = random.int(0, 5000);
    const occurrences: number[] = [];
    for (let at = nextOccurrence(cron, timeZone, start + createAt - 1); at !== undefined && occurrences.length < 6; at = nextOccurrence(cron, timeZone, at)) occurrences.push(at - start);
    // Each occurrence inside the fault phase draws a crash across it: down through it, or right
    // after the pass that submitted it.
    for (const occurrence of occurrences.filter((at) => at < faultPhaseMs - 2000)) {
      if (!random.chance(0.7)) continue;
      scheduleCrashes.push(random.chance(0.5) ? { at: occurrence, downMs: random.int(300, 3000), afterTick: true } : { at: occurrence - random.int(0, 1500), downMs: random.int(1600, 5000), afterTick: false });
    }
    // Deleted between the first occurrence past the heal and the next; when the operators pause
    // it (between the first two occurrences, lifted between the next two, so one occurrence falls
    // in the pause), one occurrence later. Operators act away from the instants the coordinator
    // handles an occurrence, so the checker's "paused at the occurrence" needs no tie rule.
    const between = (index: number) => occurrences[index]! + Math.round(((occurrences[index + 1] ?? occurrences[index]! + 60_000) - occurrences[index]!) * (0.25 + random.next() / 2));
    const firstAfterHeal = Math.max(1, occurrences.findIndex((at) => at >= faultPhaseMs));
    const paused = random.chance(0.3);
    const last = Math.min(occurrences.length - 2, firstAfterHeal + (paused ? 1 : 0));
    const deleteAt = between(last);
    const pause = paused && last >= 2 ? { at: between(last - 2), until: between(last - 1) } : undefined;
    schedule = {
      productId: product(),
      cron,
      timeZone,
      overlap: random.chance(0.5) ? "skip" : "allow",
      createAt,
      pause: pause === undefined ? undefined : { at: pause.at, forMs: pause.until - pause.at },
      deleteAt,
    };
  }
  return { budget, productPauses, poolPauses, criticalBursts, notBeforeRate, schedule, scheduleCrashes };
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
