import { plainZero, type ScorableJob } from "./job-score.js";

/** A pool as the scorer sees it: its definition plus the runtime state that decides placement. */
export interface ScorablePool {
  name: string;
  capabilities: readonly string[];
  /** Its capacity window: how many jobs it may hold in flight right now. */
  capacity: number;
  inFlight: number;
  /** Relative cost of a seat-hour; only compared between pools. */
  costPerHour: number;
  health: "ok" | "degraded" | "down";
  paused: boolean;
}

export interface PoolChoiceWeights {
  fit: number;
  headroom: number;
  cost: number;
  health: number;
}

/**
 * Each term is in [0, 1] before weighting, so the weights are the most each concern can swing.
 * - fit 4: the biggest swing, so generic work stays off specialised pools (a plain job on a pool
 *   whose capabilities are half unneeded loses 2 points) unless the fitting pool is nearly full,
 *   degraded, or both.
 * - headroom 2: spreads load and keeps a burst off one pool; an empty pool beats a full one by 2.
 * - health 2: a degraded pool loses 1 point (health 0.5), i.e. about a quarter of a fit mismatch.
 * - cost 1: the smallest swing; price breaks near-ties rather than overriding fit or load.
 */
export const DEFAULT_POOL_WEIGHTS: Readonly<PoolChoiceWeights> = Object.freeze({ fit: 4, headroom: 2, cost: 1, health: 2 });

export interface ChoosePoolOptions {
  /** Merged per field over DEFAULT_POOL_WEIGHTS. */
  weights?: Partial<PoolChoiceWeights>;
}

export interface PoolRanking {
  pool: string;
  total: number;
  terms: PoolChoiceWeights;
  /** Unweighted values in [0, 1]. */
  inputs: { fit: number; headroom: number; cost: number; health: number; unneededCapabilities: number };
}

/** Why a pool cannot take a job now. Every applicable reason is listed, not just the first. */
export type PoolExclusion =
  | { reason: "missing-capabilities"; missing: string[] }
  | { reason: "paused" }
  | { reason: "down" }
  | { reason: "no-headroom"; inFlight: number; capacity: number };

/**
 * The HARD filter: the pool offers every capability the job needs (a superset), is not paused and
 * is not down. Headroom is deliberately not part of it: an eligible pool that is full is where the
 * job will go once a seat frees, and the scheduler caches eligibility per capability set.
 */
export function isEligible(jobCapabilities: readonly string[], pool: ScorablePool): boolean {
  return !pool.paused && pool.health !== "down" && missingCapabilities(jobCapabilities, pool).length === 0;
}

export function hasHeadroom(pool: ScorablePool): boolean {
  return pool.inFlight < pool.capacity;
}

/** Every reason the pool cannot take the job now; empty exactly when choosePool may pick it. */
export function poolExclusions(jobCapabilities: readonly string[], pool: ScorablePool): PoolExclusion[] {
  const reasons: PoolExclusion[] = [];
  const missing = missingCapabilities(jobCapabilities, pool);
  if (missing.length > 0) reasons.push({ reason: "missing-capabilities", missing });
  if (pool.paused) reasons.push({ reason: "paused" });
  if (pool.health === "down") reasons.push({ reason: "down" });
  if (!hasHeadroom(pool)) reasons.push({ reason: "no-headroom", inFlight: pool.inFlight, capacity: pool.capacity });
  return reasons;
}

/** The job's capabilities the pool lacks, de-duplicated, in the job's order. */
export function missingCapabilities(jobCapabilities: readonly string[], pool: Pick<ScorablePool, "capabilities">): string[] {
  const offered = new Set(pool.capabilities);
  return [...new Set(jobCapabilities)].filter((capability) => !offered.has(capability));
}

export function eligiblePools(job: Pick<ScorableJob, "capabilities">, pools: readonly ScorablePool[]): ScorablePool[] {
  return pools.filter((pool) => isEligible(job.capabilities, pool));
}

/**
 * Scores one candidate pool. `maxCost` is the most expensive candidate's costPerHour: cost is
 * relative to the pools actually on offer, so the cheapest of three equal pools wins by the same
 * margin whatever the absolute prices.
 */
export function rankPool(
  job: Pick<ScorableJob, "capabilities">,
  pool: ScorablePool,
  maxCost: number,
  weights: PoolChoiceWeights = DEFAULT_POOL_WEIGHTS,
): PoolRanking {
  const needed = new Set(job.capabilities);
  const offered = new Set(pool.capabilities);
  let unneeded = 0;
  for (const capability of offered) if (!needed.has(capability)) unneeded++;
  const inputs = {
    fit: offered.size === 0 ? 1 : 1 - unneeded / offered.size,
    headroom: pool.capacity <= 0 ? 0 : Math.min(1, Math.max(0, pool.capacity - pool.inFlight) / pool.capacity),
    cost: maxCost <= 0 ? 1 : 1 - Math.min(1, Math.max(0, pool.costPerHour) / maxCost),
    health: pool.health === "ok" ? 1 : pool.health === "degraded" ? 0.5 : 0,
    unneededCapabilities: unneeded,
  };
  const terms: PoolChoiceWeights = {
    fit: plainZero(weights.fit * inputs.fit),
    headroom: plainZero(weights.headroom * inputs.headroom),
    cost: plainZero(weights.cost * inputs.cost),
    health: plainZero(weights.health * inputs.health),
  };
  return { pool: pool.name, total: plainZero(terms.fit + terms.headroom + terms.cost + terms.health), terms, inputs };
}

export interface PoolChoice {
  pool: ScorablePool;
  /** Every candidate, best first; `ranking[0]` is `pool`. */
  ranking: PoolRanking[];
}

/**
 * Where a job should go now: the best-ranked pool among those that pass the hard filter AND have
 * headroom. Returns undefined exactly when no eligible pool has headroom, so the caller leaves the
 * job queued. Equal totals go to the pool whose name sorts first, so the choice never depends on
 * the order `pools` arrives in (pool names are unique in a topology).
 */
export function choosePool(job: Pick<ScorableJob, "capabilities">, pools: readonly ScorablePool[], options: ChoosePoolOptions = {}): PoolChoice | undefined {
  const weights = resolvePoolWeights(options.weights);
  const candidates = pools.filter((pool) => isEligible(job.capabilities, pool) && hasHeadroom(pool));
  if (candidates.length === 0) return undefined;
  const maxCost = Math.max(...candidates.map((pool) => pool.costPerHour));
  const ranked = candidates.map((pool) => ({ pool, ranking: rankPool(job, pool, maxCost, weights) })).sort(byTotalThenName);
  const best = ranked[0]!;
  return { pool: best.pool, ranking: ranked.map((entry) => entry.ranking) };
}

export function resolvePoolWeights(patch: Partial<PoolChoiceWeights> | undefined): PoolChoiceWeights {
  return { ...DEFAULT_POOL_WEIGHTS, ...Object.fromEntries(Object.entries(patch ?? {}).filter(([, value]) => value !== undefined)) };
}

function byTotalThenName(a: { ranking: PoolRanking }, b: { ranking: PoolRanking }): number {
  if (a.ranking.total !== b.ranking.total) return b.ranking.total - a.ranking.total;
  return a.ranking.pool < b.ranking.pool ? -1 : a.ranking.pool > b.ranking.pool ? 1 : 0;
}
