import { Gauge } from "prom-client";
import { subscriptionNameFor, type Topology } from "../contracts/index.js";
import type { FleetMetrics } from "../coordinator/api/fleet-metrics.js";
import type { BrokerPort } from "../broker/port.js";
import type { Dispatcher } from "../dispatcher/dispatcher-service.js";
import type { LocalAutoscaler } from "../keda/local/local-autoscaler.js";

/** Scale and dispatch gauges for operators, refreshed before each scrape. */
export function registerScaleMetrics(
  metrics: FleetMetrics,
  deps: { topology: Topology; broker: BrokerPort; autoscaler?: LocalAutoscaler; dispatcher: Dispatcher },
): void {
  const registers = [metrics.registry];
  const desired = new Gauge({ name: "fleet_pool_desired_replicas", help: "Replicas the autoscaler wants per pool", labelNames: ["pool"], registers });
  const actual = new Gauge({ name: "fleet_pool_actual_replicas", help: "Factory containers alive per pool (running + pending)", labelNames: ["pool"], registers });
  const active = new Gauge({ name: "fleet_subscription_active_messages", help: "Active (incl. locked) messages per pool subscription", labelNames: ["pool"], registers });
  const dead = new Gauge({ name: "fleet_subscription_dead_letters", help: "Dead-lettered messages per pool subscription", labelNames: ["pool"], registers });
  const lag = new Gauge({ name: "fleet_outbox_lag_ms", help: "Age of the oldest unpublished assignment", registers });
  const pending = new Gauge({ name: "fleet_outbox_pending", help: "Committed assignments not yet published", registers });
  const published = new Gauge({ name: "fleet_outbox_published", help: "Assignments published since start", registers });
  const circuit = new Gauge({ name: "fleet_outbox_circuit_open", help: "1 while the relay's circuit breaker is open", registers });
  const deadLetters = new Gauge({ name: "fleet_dead_letters_reconciled", help: "Broker dead letters reconciled into jobs, by outcome", labelNames: ["outcome"], registers });
  metrics.addCollector(async () => {
    for (const state of deps.autoscaler?.states() ?? []) {
      desired.set({ pool: state.pool }, state.desired);
      actual.set({ pool: state.pool }, state.running + state.pending);
    }
    for (const pool of deps.topology.pools) {
      const counts = await deps.broker.counts(deps.topology.topic, subscriptionNameFor(pool.name)).catch(() => undefined);
      if (counts === undefined) continue;
      active.set({ pool: pool.name }, counts.active);
      dead.set({ pool: pool.name }, counts.deadLetter);
    }
    const relay = deps.dispatcher.relay.stats();
    lag.set(relay.lagMs);
    pending.set(relay.pending);
    published.set(relay.published);
    circuit.set(relay.circuit === "closed" ? 0 : 1);
    const monitor = deps.dispatcher.monitor.stats();
    deadLetters.set({ outcome: "reconciled" }, monitor.reconciled);
    deadLetters.set({ outcome: "stale" }, monitor.stale);
    deadLetters.set({ outcome: "expired" }, monitor.expired);
    deadLetters.set({ outcome: "unreadable" }, monitor.unreadable);
  });
}
