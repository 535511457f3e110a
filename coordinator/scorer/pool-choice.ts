import type { ScorableJob } from "./job-score.js";

/** A pool as the scorer sees it. */
export interface ScorablePool {
  name: string;
  capabilities: readonly string[];
  /** Its capacity window. */
  capacity: number;
  inFlight: number;
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

/** Fit dominates (keep generic work off specialised pools), then headroom (spread load), health,
 * and cost breaks near-ties. */
export const DEFAULT_POOL_WEIGHTS: Readonly<PoolChoiceWeights> = { fit: 4, headroom: 2, cost: 1, health: 2 };

export interface PoolRanking {
  pool: string;
  total: number;
  terms: { fit: number; headroom: number; cost: number; health: number };
}

export type Ineligibility = { reason: "missing-capabilities"; missing: string[] } | { reason: "paused" } | { reason: "down" } | { reason: "no-headroom" };

/** The hard filter: the pool must offer every capability the job needs, and be neither paused nor down. */
export function isEligible(jobCapabilities: readonly string[], pool: ScorablePool): boolean {
  return ineligibility(jobCapabilities, pool, false) === undefined;
}

export function ineligibility(jobCapabilities: readonly string[], pool: ScorablePool, requireHeadroom = true): Ineligibility | undefined {
  const offered = new Set(pool.capabilities);
  const missing = jobCapabilities.filter((c) => !offered.has(c));
  if (missing.length > 0) return { reason: "missing-capabilities", missing };
  if (pool.paused) return { reason: "paused" };
  if (pool.health === "down") return { reason: "down" };
  if (requireHeadroom && pool.inFlight >= pool.capacity) return { reason: "no-headroom" };
  return undefined;
}

export function eligiblePools(job: Pick<ScorableJob, "capabilities">, pools: readonly ScorablePool[]): ScorablePool[] {
  return pools.filter((pool) => isEligible(job.capabilities, pool));
}

export function rankPool(job: Pick<ScorableJob, "capabilities">, pool: ScorablePool, maxCost: number, weights: PoolChoiceWeights = DEFAULT_POOL_WEIGHTS): PoolRanking {
  const needed = new Set(job.capabilities);
  const extra = pool.capabilities.filter((c) => !needed.has(c)).length;
  const terms = {
    fit: weights.fit * (pool.capabilities.length === 0 ? 1 : 1 - extra / pool.capabilities.length),
    headroom: weights.headroom * (pool.capacity <= 0 ? 0 : Math.max(0, pool.capacity - pool.inFlight) / pool.capacity),
    cost: weights.cost * (maxCost <= 0 ? 1 : 1 - pool.costPerHour / maxCost),
    health: weights.health * (pool.health === "ok" ? 1 : pool.health === "degraded" ? 0.5 : 0),
  };
  return { pool: pool.name, total: terms.fit + terms.headroom + terms.cost + terms.health, terms };
}

/** Chooses among eligible pools with headroom; undefined when none has room. Ties go to the
 * pool name that sorts first, so the choice is deterministic. */
export function choosePool(
  job: Pick<ScorableJob, "capabilities">,
  pools: readonly ScorablePool[],
  weights: PoolChoiceWeights = DEFAULT_POOL_WEIGHTS,
): { pool: ScorablePool; ranking: PoolRanking[] } | undefined {
  const candidates = pools.filter((pool) => ineligibility(job.capabilities, pool) === undefined);
  if (candidates.length === 0) return undefined;
  const maxCost = Math.max(...candidates.map((p) => p.costPerHour));
  const ranking = candidates.map((pool) => rankPool(job, pool, maxCost, weights)).sort((a, b) => b.total - a.total || (a.pool < b.pool ? -1 : 1));
  const best = candidates.find((pool) => pool.name === ranking[0]!.pool)!;
  return { pool: best, ranking };
}
