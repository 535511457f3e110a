import type { PoolDefinition } from "../contracts/index.js";

/** Desired and actual replicas of a pool as the autoscaler sees them. */
export interface PoolReplicas {
  desired: number;
  /** Containers alive: running or starting, not ones told to stop. */
  actual: number;
}

/**
 * Where replica counts come from: the local autoscaler on one machine; in a cluster, the
 * factories' heartbeats (actual) and KEDA's formula over the pool's trigger metric (desired).
 */
export interface ReplicaSource {
  replicas(pool: PoolDefinition, metric: number): PoolReplicas | undefined;
}

/**
 * What KEDA wants for a pool given its trigger metric: zero at or below the activation threshold
 * (the pool's minimum when it has one), otherwise ceil(metric / target) clamped to
 * [max(min, 1), max]. The same rule for a ScaledObject's HPA and a ScaledJob's job count.
 */
export function desiredReplicasFor(pool: PoolDefinition, metric: number): number {
  if (metric <= pool.activationMessageCount) return Math.min(pool.minReplicas, pool.maxReplicas);
  return Math.min(pool.maxReplicas, Math.max(pool.minReplicas, 1, Math.ceil(metric / pool.messageCount)));
}

/** Production: actual replicas from live heartbeats, desired from the formula. */
export function heartbeatReplicaSource(liveByPool: () => Map<string, number>): ReplicaSource {
  return {
    replicas(pool, metric) {
      return { desired: desiredReplicasFor(pool, metric), actual: liveByPool().get(pool.name) ?? 0 };
    },
  };
}
