import { PRIORITY_RANK, type Priority } from "../../contracts/index.js";
import type { ScoreWeights } from "./weights.js";

/** What the score of a job depends on. Plain data: the scorer never reads a clock or the store. */
export interface ScorableJob {
  id: string;
  productId: string;
  priority: Priority;
  capabilities: readonly string[];
  /** When the job became schedulable (ms). */
  queuedAt: number;
  retries: number;
}

/** What the score needs of a pool (see pool-choice.ts for the full shape). */
export interface ScoringPool {
  capabilities: readonly string[];
}

export interface ScoreContext {
  now: number;
  weights: ScoreWeights;
  /** After this long queued a job competes as critical (anti-starvation). Default 30 minutes. */
  starvationAfterMs?: number;
}

export interface ScoreTerms {
  age: number;
  priority: number;
  retries: number;
  capabilities: number;
  starvation: number;
}

export interface JobScore {
  total: number;
  terms: ScoreTerms;
  inputs: { ageMinutes: number; priorityRank: number; retries: number; capabilityBonus: number; starving: boolean };
}

export const DEFAULT_STARVATION_AFTER_MS = 30 * 60_000;

/**
 * The seed's job score: w.age x ageMinutes + w.priority x rank + w.retries x retries
 * + w.capabilities x capabilityBonus, plus an anti-starvation boost. Pure.
 *
 * capabilityBonus is the share of the pool's capabilities the job needs, so a specialised pool
 * prefers the jobs that need it. A job queued longer than starvationAfterMs gets
 * w.priority x (critical rank - its rank): it competes as critical, so nothing waits forever behind
 * a stream of higher-priority work.
 *
 * Property the scheduler relies on: with w.age >= 0 and everything else fixed, the score never
 * decreases as the job ages (both the age term and the boost are non-decreasing in age).
 */
export function scoreJob(job: ScorableJob, pool: ScoringPool | undefined, ctx: ScoreContext): JobScore {
  const ageMinutes = Math.max(0, ctx.now - job.queuedAt) / 60_000;
  const rank = PRIORITY_RANK[job.priority];
  const capabilityBonus = capabilityBonusOf(job.capabilities, pool);
  const starving = ctx.now - job.queuedAt > (ctx.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS);
  const w = ctx.weights;
  const terms: ScoreTerms = {
    age: w.age * ageMinutes,
    priority: w.priority * rank,
    retries: w.retries * job.retries,
    capabilities: w.capabilities * capabilityBonus,
    starvation: starving ? w.priority * (PRIORITY_RANK.critical - rank) : 0,
  };
  return {
    total: terms.age + terms.priority + terms.retries + terms.capabilities + terms.starvation,
    terms,
    inputs: { ageMinutes, priorityRank: rank, retries: job.retries, capabilityBonus, starving },
  };
}

export function capabilityBonusOf(jobCapabilities: readonly string[], pool: ScoringPool | undefined): number {
  if (pool === undefined || pool.capabilities.length === 0 || jobCapabilities.length === 0) return 0;
  const offered = new Set(pool.capabilities);
  let used = 0;
  for (const capability of new Set(jobCapabilities)) if (offered.has(capability)) used++;
  return used / offered.size;
}
