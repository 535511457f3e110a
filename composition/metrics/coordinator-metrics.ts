import { Gauge } from "prom-client";
import type { Coordinator, PoolView } from "../../coordinator/service/coordinator.js";
import type { MetricsHub } from "./metrics-hub.js";
import { mirroredCounter } from "./mirrored-counter.js";

/** Gauges and counters read from the coordinator's memory at scrape time (no store reads). */
export function registerCoordinatorMetrics(hub: MetricsHub, coordinator: Coordinator): void {
  const registers = [hub.registry];
  new Gauge({
    name: "fleet_jobs_active",
    help: "Active (non-terminal) jobs by stage",
    labelNames: ["stage"],
    registers,
    collect() {
      this.reset();
      for (const [stage, count] of Object.entries(coordinator.queueState().byStage)) this.set({ stage }, count);
    },
  });
  new Gauge({
    name: "fleet_jobs_terminal",
    help: "Jobs in each terminal stage (shipped, failed, cancelled, dead_letter), fleet-wide; absent until the coordinator has counted them",
    labelNames: ["stage"],
    registers,
    collect() {
      // The totals GET /fleet/jobs answers with, kept in step with every commit: no store read
      // here, except the one count a coordinator whose start-up count the store refused still owes.
      this.reset();
      const totals = coordinator.terminalTotals();
      if (totals === undefined) return;
      for (const [stage, count] of Object.entries(totals)) this.set({ stage }, count);
    },
  });
  new Gauge({
    name: "fleet_pool_ready_jobs",
    help: "Ready jobs per pool that would take them (pool 'none': no capable pool)",
    labelNames: ["pool"],
    registers,
    collect() {
      this.reset();
      const ready = coordinator.readyByPool();
      for (const pool of coordinator.poolViews()) this.set({ pool: pool.definition.name }, ready.get(pool.definition.name) ?? 0);
      const orphans = ready.get(null);
      if (orphans !== undefined) this.set({ pool: "none" }, orphans);
    },
  });
  const poolGauge = (name: string, help: string, value: (pool: PoolView) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ["pool"],
      registers,
      collect() {
        for (const pool of coordinator.poolViews()) {
          const v = value(pool);
          if (v !== undefined) this.set({ pool: pool.definition.name }, v);
        }
      },
    });
  poolGauge("fleet_pool_in_flight_leases", "Assigned-or-running leases per pool", (p) => p.inFlight);
  poolGauge("fleet_pool_awaiting_accept", "Assignments not yet accepted per pool", (p) => p.awaitingAccept);
  poolGauge("fleet_pool_capacity_window", "Capacity window per pool: leases in flight at most", (p) => p.capacity);
  poolGauge("fleet_pool_max_replicas", "The pool's maxReplicas", (p) => p.definition.maxReplicas);
  poolGauge("fleet_pool_paused", "1 while the pool is paused", (p) => (p.paused ? 1 : 0));
  poolGauge("fleet_pool_last_accept_timestamp_seconds", "When a factory of the pool last accepted an assignment (Unix seconds)", (p) =>
    p.lastAcceptAt === undefined ? undefined : p.lastAcceptAt / 1000,
  );
  const counter = (name: string, help: string, read: () => number) =>
    mirroredCounter({ name, help, registry: hub.registry, read: () => [[{}, read()]] });
  counter("fleet_fenced_rejections_total", "Factory calls rejected for a stale epoch or a taken lease", () => coordinator.counters.fencedRejections);
  counter("fleet_stale_dead_letters_total", "Broker dead letters for an epoch that had moved on (settled, not applied)", () => coordinator.counters.staleDeadLetters);
}
