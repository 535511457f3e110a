import { RUNNING_STAGES, type JobDoc, type PoolDefinition, type PoolPause, type Topology } from "../../contracts/index.js";
import { isEligible, type ScorablePool } from "../scorer/index.js";

/** A pool as the scheduler sees it: its definition plus live counters. */
export interface PoolRuntime {
  readonly definition: PoolDefinition;
  /** How many jobs may be assigned-or-running at once: the capacity window. Work beyond it stays
   * in the coordinator's priority queue instead of queueing FIFO in the broker (DESIGN rule 5). */
  capacity: number;
  inFlight: number;
  /** Seats the scheduler has promised to assignment writes still in flight: counted as taken
   * until each write has landed (then `inFlight` counts it) or failed (then it is given back). */
  reserved: number;
  /** Assigned but not yet accepted. */
  awaitingAccept: number;
  health: "ok" | "degraded" | "down";
  /** True while an operator pause (or drain) is in force: the pool receives nothing new. */
  paused: boolean;
  /** The operator's pause as recorded, with its reason; undefined while not paused. */
  pause: PoolPause | undefined;
  /** Jobs running (accepted) on this pool, for preemption; and those already asked to make room. */
  readonly running: Set<string>;
  readonly preempting: Set<string>;
  assignedTotal: number;
  acceptedTotal: number;
  /** Sum and count of assignment-to-accept latencies, for the average shown to operators. */
  acceptLatencyMsSum: number;
  acceptLatencyCount: number;
  /** When a factory last accepted an assignment of this pool (coordinator clock). */
  lastAcceptAt: number | undefined;
}

export interface PoolRegistryOptions {
  /** Overrides the default window of maxReplicas x seats. */
  capacityWindow?: (pool: PoolDefinition) => number;
}

export class PoolRegistry {
  private readonly byName = new Map<string, PoolRuntime>();
  private readonly eligibleCache = new Map<string, PoolRuntime[]>();

  constructor(readonly topology: Topology, options: PoolRegistryOptions = {}) {
    for (const definition of topology.pools) {
      this.byName.set(definition.name, {
        definition,
        capacity: options.capacityWindow?.(definition) ?? definition.maxReplicas * definition.seats,
        inFlight: 0,
        reserved: 0,
        awaitingAccept: 0,
        health: "ok",
        paused: false,
        pause: undefined,
        running: new Set(),
        preempting: new Set(),
        assignedTotal: 0,
        acceptedTotal: 0,
        acceptLatencyMsSum: 0,
        acceptLatencyCount: 0,
        lastAcceptAt: undefined,
      });
    }
  }

  all(): PoolRuntime[] {
    return [...this.byName.values()];
  }

  get(name: string): PoolRuntime | undefined {
    return this.byName.get(name);
  }

  /** Pools whose capabilities are a superset of `capabilities` (the hard filter), cached per set. */
  capableOf(capabilityKey: string, capabilities: readonly string[]): PoolRuntime[] {
    let pools = this.eligibleCache.get(capabilityKey);
    if (pools === undefined) {
      // Best fit first: among supersets, the pool with the fewest capabilities wastes the least.
      pools = this.all()
        .filter((pool) => isEligible(capabilities, { ...toScorable(pool), paused: false, health: "ok" }))
        .sort((a, b) => a.definition.capabilities.length - b.definition.capabilities.length || (a.definition.name < b.definition.name ? -1 : 1));
      this.eligibleCache.set(capabilityKey, pools);
    }
    return pools;
  }

  /** Applies an operator's pause (or its end, with undefined). */
  setPause(name: string, pause: PoolPause | undefined): void {
    const pool = this.byName.get(name);
    if (pool === undefined) return;
    pool.pause = pause;
    pool.paused = pause !== undefined;
  }

  /** Keeps inFlight/awaitingAccept and the running sets in step with every committed job change. */
  observe(previous: JobDoc | undefined, next: JobDoc): void {
    this.trackRunning(previous, next);
    const before = occupancy(previous);
    const after = occupancy(next);
    if (before.pool === after.pool && before.awaiting === after.awaiting && before.inFlight === after.inFlight) return;
    this.adjust(before.pool, -before.inFlight, -before.awaiting);
    this.adjust(after.pool, after.inFlight, after.awaiting);
    if (after.pool !== undefined && after.awaiting === 1 && before.awaiting === 0) {
      const pool = this.byName.get(after.pool);
      if (pool !== undefined) pool.assignedTotal++;
    }
    if (previous?.stage === "assigned" && next.stage === "building" && next.lease?.acceptedAt !== undefined) {
      const pool = this.byName.get(next.lease.pool);
      if (pool !== undefined) {
        pool.acceptedTotal++;
        pool.acceptLatencyMsSum += next.lease.acceptedAt - next.lease.assignedAt;
        pool.acceptLatencyCount++;
        if (pool.lastAcceptAt === undefined || next.lease.acceptedAt > pool.lastAcceptAt) pool.lastAcceptAt = next.lease.acceptedAt;
      }
    }
  }

  private trackRunning(previous: JobDoc | undefined, next: JobDoc): void {
    const was = runningPool(previous);
    const is = runningPool(next);
    if (was !== undefined && was !== is) {
      this.byName.get(was)?.running.delete(next.id);
      this.byName.get(was)?.preempting.delete(next.id);
    }
    if (is === undefined) return;
    const pool = this.byName.get(is);
    if (pool === undefined) return;
    pool.running.add(next.id);
    if (next.preemption === undefined) pool.preempting.delete(next.id);
    else pool.preempting.add(next.id);
  }

  private adjust(name: string | undefined, inFlight: number, awaiting: number): void {
    if (name === undefined) return;
    const pool = this.byName.get(name);
    if (pool === undefined) return;
    pool.inFlight += inFlight;
    pool.awaitingAccept += awaiting;
  }
}

function runningPool(job: JobDoc | undefined): string | undefined {
  return job?.lease?.factoryId !== undefined && RUNNING_STAGES.has(job.stage) ? job.lease.pool : undefined;
}

function occupancy(job: JobDoc | undefined): { pool?: string; inFlight: number; awaiting: number } {
  if (job?.lease === undefined) return { inFlight: 0, awaiting: 0 };
  if (job.stage === "assigned") return { pool: job.lease.pool, inFlight: 1, awaiting: 1 };
  if (RUNNING_STAGES.has(job.stage)) return { pool: job.lease.pool, inFlight: 1, awaiting: 0 };
  return { inFlight: 0, awaiting: 0 };
}

export function toScorable(pool: PoolRuntime): ScorablePool {
  return {
    name: pool.definition.name,
    capabilities: pool.definition.capabilities,
    capacity: pool.capacity,
    inFlight: pool.inFlight + pool.reserved,
    costPerHour: pool.definition.costPerHour,
    health: pool.health,
    paused: pool.paused,
  };
}

/** Whether the scheduler may hand the pool more work now: not paused, not down, and inside its
 * capacity window, the seats reserved by assignment writes in flight included. (The scorer's
 * `hasHeadroom` looks at the window alone.) */
export function canTakeWork(pool: PoolRuntime): boolean {
  return !pool.paused && pool.health !== "down" && pool.inFlight + pool.reserved < pool.capacity;
}
