import { type LeverPlan, drawLeverPlan } from "./lever-plan.js";
import type { SeededRandom } from "./seeded-random.js";

/** The fault mix of one run, itself drawn from the seed. Windows are virtual milliseconds. */
export interface FaultPlan {
  /** refuse: nothing applied; half-open: publishes applied, acks lost; blackhole: nothing
   * answers; reset: connections cut mid-call, each call applied or not (unknown outcome). */
  brokerOutages: { from: number; to: number; kind: "refuse" | "half-open" | "blackhole" | "reset" }[];
  /** Broker restarts that lose every lock. */
  brokerRestarts: number[];
  storeThrottleRate: number;
  storeTimeoutRate: number;
  /** 412 races: a conditional replace finds the etag moved on. */
  storeConflictRate: number;
  agentKillRate: number;
  agentPauseRate: number;
  agentDrainRate: number;
  poisonRate: number;
  coordinatorCrashes: { at: number; downMs: number; afterTick: boolean }[];
  /** Per-agent clock offset, drawn up to this bound either way: the agent reads the accept
   * deadline against its own clock. Leases are decided on the coordinator's clock only. */
  maxClockSkewMs: number;
  /** Per-agent clock rate, drawn from 1 ± this: a slow clock renews late and loses its lease. */
  maxClockDrift: number;
  /** Settlements (complete, dead-letter) lost on the way: nothing applied, the caller times out,
   * and the message is delivered again once its lock expires, to whichever receiver asks next. */
  settleLossRate: number;
  /** What the operators do meanwhile: budgets, pauses, preemptions, delayed jobs, a schedule. */
  levers: LeverPlan;
}

/** `start`: the run's first instant (epoch ms), for the levers' calendar (budget windows, cron). */
export function drawFaultPlan(random: SeededRandom, faultPhaseMs: number, start: number): FaultPlan {
  const windows = (count: number, maxLength: number) =>
    Array.from({ length: count }, () => {
      const from = random.int(1000, faultPhaseMs - 1000);
      return { from, to: Math.min(faultPhaseMs, from + random.int(500, maxLength)) };
    });
  return {
    brokerOutages: windows(random.int(0, 2), 10_000).map((w) => {
      const roll = random.next();
      if (roll >= 0.8) return { ...w, to: Math.min(w.to, w.from + 1500), kind: "reset" };
      return { ...w, kind: roll < 0.3 ? "refuse" : roll < 0.55 ? "half-open" : "blackhole" };
    }),
    brokerRestarts: Array.from({ length: random.int(0, 2) }, () => random.int(1000, faultPhaseMs - 1000)),
    storeThrottleRate: random.chance(0.5) ? random.next() * 0.05 : 0,
    storeTimeoutRate: random.chance(0.5) ? random.next() * 0.02 : 0,
    storeConflictRate: random.chance(0.5) ? random.next() * 0.05 : 0,
    agentKillRate: random.next() * 0.15,
    agentPauseRate: random.next() * 0.1,
    agentDrainRate: random.next() * 0.1,
    poisonRate: random.chance(0.6) ? 0.05 + random.next() * 0.1 : 0,
    coordinatorCrashes: Array.from({ length: random.int(0, 2) }, () => ({
      at: random.int(2000, faultPhaseMs - 2000),
      downMs: random.int(100, 5000),
      afterTick: random.chance(0.5),
    })),
    maxClockSkewMs: random.int(0, 30_000),
    maxClockDrift: random.chance(0.5) ? random.next() * 0.9 : 0,
    settleLossRate: random.chance(0.5) ? random.next() * 0.2 : 0,
    levers: drawLeverPlan(random, faultPhaseMs, start),
  };
}
