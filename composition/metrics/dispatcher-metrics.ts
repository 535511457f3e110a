import { Gauge, Histogram } from "prom-client";
import type { Dispatcher } from "../../dispatcher/dispatcher-service.js";
import type { MetricsHub } from "./metrics-hub.js";
import { mirroredCounter } from "./mirrored-counter.js";

const LAG_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The outbox histogram, registered before the dispatcher exists so the relay can feed it. */
export function outboxLagHistogram(hub: MetricsHub): Histogram {
  return new Histogram({
    name: "fleet_outbox_publish_lag_seconds",
    help: "From the commit of an assignment to its publish to the broker",
    buckets: LAG_BUCKETS_S,
    registers: [hub.registry],
  });
}

/** The outbox relay and the dead-letter monitor, from their in-memory stats. */
export function registerDispatcherMetrics(hub: MetricsHub, dispatcher: Dispatcher): void {
  const registry = hub.registry;
  const registers = [registry];
  new Gauge({
    name: "fleet_outbox_pending",
    help: "Committed assignments not yet published",
    registers,
    collect() {
      this.set(dispatcher.relay.stats().pending);
    },
  });
  new Gauge({
    name: "fleet_outbox_oldest_pending_seconds",
    help: "Age of the oldest committed assignment not yet published (0 when none)",
    registers,
    collect() {
      this.set(dispatcher.relay.stats().lagMs / 1000);
    },
  });
  new Gauge({
    name: "fleet_outbox_circuit_open",
    help: "1 while the relay's circuit breaker is open or half-open (the broker is failing)",
    registers,
    collect() {
      this.set(dispatcher.relay.stats().circuit === "closed" ? 0 : 1);
    },
  });
  mirroredCounter({ name: "fleet_outbox_published_total", help: "Assignments published to the broker", registry, read: () => [[{}, dispatcher.relay.stats().published]] });
  mirroredCounter({
    name: "fleet_outbox_republished_total",
    help: "Assignments published again after a restart (absorbed by duplicate detection)",
    registry,
    read: () => [[{}, dispatcher.relay.stats().republished]],
  });
  mirroredCounter({ name: "fleet_outbox_publish_failures_total", help: "Failed publish attempts (each retried with backoff)", registry, read: () => [[{}, dispatcher.relay.stats().publishFailures]] });
  mirroredCounter({
    name: "fleet_dead_letters_reconciled_total",
    help: "Broker dead letters settled by the monitor, by outcome (reconciled into the job, stale, expired, unreadable)",
    labelNames: ["outcome"],
    registry,
    read: () => {
      const stats = dispatcher.monitor.stats();
      return [
        [{ outcome: "reconciled" }, stats.reconciled],
        [{ outcome: "stale" }, stats.stale],
        [{ outcome: "expired" }, stats.expired],
        [{ outcome: "unreadable" }, stats.unreadable],
      ];
    },
  });
}
