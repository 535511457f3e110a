import type { BudgetDoc, JobDoc } from "../../contracts/index.js";
import type { ProductGate } from "../lifecycle/product-gate.js";
import type { PoolRuntime } from "../pools/pool-registry.js";

/** Why a product gets (or does not get) new work, for operators and for "why is this job waiting". */
export interface ProductPauseState {
  productId: string;
  paused: boolean;
  /** `operator`: paused through the API; `ceiling`: the budget's ceiling was reached in this window. */
  pausedBy: "operator" | "ceiling" | null;
  mode: "finish" | "drain" | "stop" | null;
  reason: string | null;
  /** Who paused it and when (operator pauses only). */
  by: string | null;
  since: number | null;
  spentUsd: number;
  ceilingUsd: number | null;
  remainingUsd: number | null;
  /** When a ceiling pause lifts by itself (the window rolls over); null when it will not. */
  resumesAt: number | null;
}

export interface PoolPauseState {
  pool: string;
  paused: boolean;
  draining: boolean;
  reason: string | null;
  by: string | null;
  since: number | null;
}

/**
 * What a factory is told when it renews a lease (`POST /fleet/jobs/:id/lease/renew`):
 * - `stop`: checkpoint now and release the lease with outcome `drained` and the checkpoint; the
 *   job is requeued with epoch + 1 and the checkpoint kept (a preemption, or a product paused
 *   with mode `stop`).
 * - `drain`: finish the jobs you hold, take no new assignment, then exit (the pool is draining).
 */
export interface LeaseDirectives {
  stop?: { reason: "preempted" | "product-paused" | "budget-ceiling"; message: string; preemptor?: string };
  drain?: { reason: "pool-draining"; message: string };
}

/** What a factory is told in its heartbeat response (`POST /fleet/factories/heartbeat`). */
export interface HeartbeatDirectives {
  drain?: { reason: "pool-draining"; message: string };
}

export function productPauseStateOf(productId: string, gate: ProductGate, doc: BudgetDoc | undefined): ProductPauseState {
  const operator = gate.pausedBy === "operator" ? doc?.pause : undefined;
  return {
    productId,
    paused: !gate.open,
    pausedBy: gate.pausedBy,
    mode: gate.mode,
    reason: gate.reason,
    by: operator?.by ?? null,
    since: operator?.at ?? null,
    spentUsd: gate.spentUsd,
    ceilingUsd: gate.ceilingUsd,
    remainingUsd: gate.remainingUsd,
    resumesAt: gate.pausedBy === "ceiling" ? (gate.window.end ?? null) : null,
  };
}

export function poolPauseStateOf(pool: PoolRuntime): PoolPauseState {
  return {
    pool: pool.definition.name,
    paused: pool.paused,
    draining: pool.pause?.drain === true,
    reason: pool.pause?.reason ?? null,
    by: pool.pause?.by ?? null,
    since: pool.pause?.at ?? null,
  };
}

export function drainDirectiveOf(pool: PoolRuntime | undefined): HeartbeatDirectives {
  if (pool?.pause?.drain !== true) return {};
  return { drain: { reason: "pool-draining", message: `pool '${pool.definition.name}' is draining (${pool.pause.reason}): finish the jobs you hold, take no new work, then exit` } };
}

/** Pure: the directives for the holder of `job`, from the job, its product's gate and its pool. */
export function leaseDirectivesOf(job: JobDoc, gate: ProductGate, pool: PoolRuntime | undefined): LeaseDirectives {
  const directives: LeaseDirectives = { ...drainDirectiveOf(pool) };
  const release = "checkpoint, then release the lease with outcome 'drained' and the checkpoint";
  if (job.preemption !== undefined) {
    directives.stop = { reason: "preempted", message: `critical job ${job.preemption.by} needs this seat: ${release}`, preemptor: job.preemption.by };
  } else if (!gate.open && gate.mode === "stop") {
    const reason = gate.pausedBy === "ceiling" ? "budget-ceiling" : "product-paused";
    directives.stop = { reason, message: `product ${job.productId} is paused with mode 'stop' (${gate.reason}): ${release}` };
  }
  return directives;
}

/** The hold-back fact for a job, if it is held back: its own budget and what is left. */
export function heldBackFact(job: JobDoc | undefined, gate: ProductGate): { jobBudgetUsd: number; remainingUsd: number } | undefined {
  if (job?.budget?.usd === undefined || gate.remainingUsd === null) return undefined;
  return { jobBudgetUsd: job.budget.usd, remainingUsd: gate.remainingUsd };
}
