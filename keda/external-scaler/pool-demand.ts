/** Exact demand of one pool as the coordinator knows it. */
export interface PoolDemand {
  /** Assigned but not yet accepted by a factory. */
  awaitingAccept: number;
  /** Accepted and running. */
  running: number;
}

export interface DemandSource {
  demand(pool: string): PoolDemand | undefined;
  /** Target per replica (seats) and activation threshold per pool. */
  scaling(pool: string): { target: number; activation: number } | undefined;
}

/** The metric served to KEDA: every lease in flight. KEDA subtracts running jobs itself for a
 * ScaledJob (default strategy) and divides by the per-replica target for a ScaledObject. Unlike
 * the stock trigger it never counts a message twice, and it costs no Service Bus call. */
export function demandMetric(demand: PoolDemand): number {
  return demand.awaitingAccept + demand.running;
}
