import type { SeededRandom } from "./seeded-random.js";

/** The fault mix of one run, itself drawn from the seed. Windows are virtual milliseconds. */
export interface FaultPlan {
  brokerOutages: { from: number; to: number; kind: "refuse" | "half-open" | "blackhole" }[];
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
}

export function drawFaultPlan(random: SeededRandom, faultPhaseMs: number): FaultPlan {
  const windows = (count: number, maxLength: number) =>
    Array.from({ length: count }, () => {
      const from = random.int(1000, faultPhaseMs - 1000);
      return { from, to: Math.min(faultPhaseMs, from + random.int(500, maxLength)) };
    });
  return {
    brokerOutages: windows(random.int(0, 2), 10_000).map((w) => {
      const roll = random.next();
      return { ...w, kind: roll < 0.4 ? "refuse" : roll < 0.7 ? "half-open" : "blackhole" };
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
  };
}
