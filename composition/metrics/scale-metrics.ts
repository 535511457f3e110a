import { Gauge } from "prom-client";
import { subscriptionNameFor, type Topology } from "../../contracts/index.js";
import type { BrokerPort, SubscriptionCounts as BrokerCounts } from "../../broker/port.js";
import type { DemandSource } from "../../keda/external-scaler/pool-demand.js";
import { demandMetric } from "../../keda/external-scaler/pool-demand.js";
import type { ReplicaSource } from "../replica-source.js";
import type { MetricsHub } from "./metrics-hub.js";

/** Broker counts are read at most this often, however often Prometheus scrapes. */
const BROKER_COUNTS_TTL_MS = 5000;

/**
 * Scale gauges per pool: desired and actual replicas, and the subscription's active messages and
 * dead letters (the stock KEDA trigger's input). Desired never exceeds the pool's maxReplicas.
 */
export function registerScaleMetrics(
  hub: MetricsHub,
  deps: { topology: Topology; broker: BrokerPort; demand: DemandSource; replicas: ReplicaSource; now: () => number },
): void {
  const registers = [hub.registry];
  const desired = new Gauge({ name: "fleet_pool_desired_replicas", help: "Replicas the autoscaler wants per pool (never above maxReplicas)", labelNames: ["pool"], registers });
  const actual = new Gauge({ name: "fleet_pool_actual_replicas", help: "Factory containers alive per pool (running or starting)", labelNames: ["pool"], registers });
  const active = new Gauge({ name: "fleet_subscription_active_messages", help: "Active (incl. locked) messages per pool subscription", labelNames: ["pool"], registers });
  const dead = new Gauge({ name: "fleet_subscription_dead_letters", help: "Dead-lettered messages per pool subscription", labelNames: ["pool"], registers });
  const counts = new Map<string, { at: number; counts: BrokerCounts | undefined }>();
  const countsOf = async (pool: string): Promise<BrokerCounts | undefined> => {
    const cached = counts.get(pool);
    if (cached !== undefined && deps.now() - cached.at < BROKER_COUNTS_TTL_MS) return cached.counts;
    const fresh = await deps.broker.counts(deps.topology.topic, subscriptionNameFor(pool)).catch(() => undefined);
    counts.set(pool, { at: deps.now(), counts: fresh });
    return fresh;
  };
  hub.addCollector(async () => {
    for (const pool of deps.topology.pools) {
      const subscription = await countsOf(pool.name);
      if (subscription !== undefined) {
        active.set({ pool: pool.name }, subscription.active);
        dead.set({ pool: pool.name }, subscription.deadLetter);
      }
      const demand = deps.demand.demand(pool.name);
      const metric = pool.trigger === "external-push" ? (demand === undefined ? 0 : demandMetric(demand)) : (subscription?.active ?? 0);
      const replicas = deps.replicas.replicas(pool, metric);
      if (replicas === undefined) continue;
      desired.set({ pool: pool.name }, Math.min(replicas.desired, pool.maxReplicas));
      actual.set({ pool: pool.name }, replicas.actual);
    }
  });
}
