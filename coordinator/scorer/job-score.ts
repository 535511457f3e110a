import { PRIORITY_RANK, type Priority } from "../../contracts/index.js";
import type { ScorablePool } from "./pool-choice.js";
import type { ScoreWeights } from "./weights.js";

/** What a job's score depends on. Plain data: the scorer never reads a clock or the store. */
export interface ScorableJob {
  id: string;
  productId: string;
  priority: Priority;
  capabilities: readonly string[];
  /** When the job became schedulable, in ms on the caller's clock (the same clock as `now`). */
  queuedAt: number;
  retries: number;
}

export interface ScoreContext {
  /** The caller's clock reading in ms. Passed in, never read, so a simulator can drive time. */
  now: number;
  weights: ScoreWeights;
  /** Queued longer than this (strictly), a job competes as critical. Default 30 minutes. */
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
  /** Exactly `age + priority + retries + capabilities + starvation`, summed in that order. */
  total: number;
  terms: ScoreTerms;
  /** The raw quantities the weights multiply, for the explain endpoint. */
  inputs: {
    ageMinutes: number;
    priorityRank: number;
    retries: number;
    capabilityBonus: number;
    starving: boolean;
    starvationAfterMs: number;
  };
}

export const DEFAULT_STARVATION_AFTER_MS = 30 * 60_000;

const MS_PER_MINUTE = 60_000;

/**
 * Which queued job should run next:
 *
 *   total = w.age x ageMinutes + w.priority x rank + w.retries x retries
 *         + w.capabilities x capabilityBonus + starvation
 *
 * - ageMinutes is clamped at 0: a queuedAt ahead of `now` (clock skew, a backoff not yet over)
 *   counts as just queued, never as negative age.
 * - capabilityBonus (see capabilityBonusOf) lets a specialised pool prefer the jobs that need it.
 * - starvation: once queued longer than starvationAfterMs, the job competes as critical, i.e. its
 *   priority part becomes the better of its own rank and critical's:
 *   max(0, w.priority x (critical - rank)). Without it a low job could wait forever behind a
 *   steady stream of higher-priority work. The max(0, ...) matters only for a negative priority
 *   weight, where "competing as critical" would otherwise push a starving job DOWN.
 *
 * MONOTONE IN AGE (the scheduler relies on this): for a fixed priority, retries, capabilities,
 * pool and weights with w.age >= 0, the total never decreases as the job ages (as `now` grows or
 * `queuedAt` shrinks). The age term is non-decreasing, the starvation term steps from 0 to a
 * non-negative value once and stays there, and IEEE rounding of the sum is itself monotone. The
 * scheduler's ready index keeps each (product, priority, retries, capabilities) bucket as a FIFO
 * and only scores its head because of this; do not add a term that can fall with age.
 *
 * Also: at equal age and everything else equal, with w.priority >= 0, a higher priority never
 * scores lower (once both are starving they tie as critical, up to float rounding).
 *
 * Pure: no clock, no randomness, no I/O; the same arguments always give the same result.
 */
export function scoreJob(job: ScorableJob, pool: Pick<ScorablePool, "capabilities"> | undefined, ctx: ScoreContext): JobScore {
  const starvationAfterMs = ctx.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS;
  const ageMs = Math.max(0, ctx.now - job.queuedAt);
  const ageMinutes = ageMs / MS_PER_MINUTE;
  const rank = PRIORITY_RANK[job.priority];
  const capabilityBonus = capabilityBonusOf(job.capabilities, pool);
  const starving = ageMs > starvationAfterMs;
  const w = ctx.weights;
  const terms: ScoreTerms = {
    age: plainZero(w.age * ageMinutes),
    priority: plainZero(w.priority * rank),
    retries: plainZero(w.retries * job.retries),
    capabilities: plainZero(w.capabilities * capabilityBonus),
    starvation: starving ? plainZero(Math.max(0, w.priority * (PRIORITY_RANK.critical - rank))) : 0,
  };
  return {
    total: plainZero(sumTerms(terms)),
    terms,
    inputs: { ageMinutes, priorityRank: rank, retries: job.retries, capabilityBonus, starving, starvationAfterMs },
  };
}

/** The one summation order for a total; anything recomputing a total must use it to get the same bits. */
export function sumTerms(terms: ScoreTerms): number {
  return terms.age + terms.priority + terms.retries + terms.capabilities + terms.starvation;
}

/** -0 (a negative weight times 0) would survive in memory but read back from JSON as 0, so the
 * explain output would not round-trip; it is the same number either way. */
export function plainZero(value: number): number {
  return value === 0 ? 0 : value;
}

/**
 * The share of the pool's capabilities the job uses: |job ∩ pool| / |pool|, in [0, 1]; 0 with no
 * pool, a pool without capabilities, or a job without requirements. A GPU job on the GPU pool
 * scores higher there than a plain job does, so specialised capacity goes to the work that needs it.
 * Duplicates are ignored on both sides.
 */
export function capabilityBonusOf(jobCapabilities: readonly string[], pool: Pick<ScorablePool, "capabilities"> | undefined): number {
  if (pool === undefined) return 0;
  const offered = new Set(pool.capabilities);
  if (offered.size === 0) return 0;
  let used = 0;
  for (const capability of new Set(jobCapabilities)) if (offered.has(capability)) used++;
  return used / offered.size;
}
