import { Counter, Gauge, Registry } from "prom-client";
import type { Coordinator } from "../service/coordinator.js";
import type { StorePort } from "../../store/port.js";

/**
 * Prometheus metrics. Gauges are computed at scrape time from the coordinator's indexes (no
 * store reads), so a scrape costs nothing against Cosmos DB.
 */
export class FleetMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"route" | "status">;
  private readonly extraCollectors: (() => Promise<void> | void)[] = [];

  constructor(coordinator: Coordinator, store: StorePort) {
    const registry = this.registry;
    this.httpRequests = new Counter({ name: "fleet_http_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "status"], registers: [registry] });
    new Gauge({
      name: "fleet_jobs",
      help: "Active jobs by stage (terminal jobs are not counted)",
      labelNames: ["stage"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [stage, count] of Object.entries(coordinator.queueState().byStage)) this.set({ stage }, count);
      },
    });
    new Gauge({
      name: "fleet_ready_jobs",
      help: "Jobs ready to be assigned",
      registers: [registry],
      collect() {
        this.set(coordinator.queueState().ready);
      },
    });
    const poolGauge = (name: string, help: string, value: (p: ReturnType<Coordinator["pools"]["all"]>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["pool"],
        registers: [registry],
        collect() {
          for (const pool of coordinator.pools.all()) this.set({ pool: pool.definition.name }, value(pool));
        },
      });
    poolGauge("fleet_pool_in_flight_leases", "Assigned-or-running leases per pool", (p) => p.inFlight);
    poolGauge("fleet_pool_awaiting_accept", "Assignments not yet accepted per pool", (p) => p.awaitingAccept);
    poolGauge("fleet_pool_capacity_window", "Capacity window per pool", (p) => p.capacity);
    poolGauge("fleet_pool_accept_latency_avg_ms", "Average assignment-to-accept latency per pool", (p) =>
      p.acceptLatencyCount === 0 ? 0 : p.acceptLatencyMsSum / p.acceptLatencyCount,
    );
    new Gauge({
      name: "fleet_store_operations",
      help: "Store operations since start, by kind",
      labelNames: ["kind"],
      registers: [registry],
      collect() {
        for (const [kind, count] of Object.entries(store.stats().ops)) this.set({ kind }, count);
      },
    });
    new Gauge({
      name: "fleet_store_estimated_ru",
      help: "Estimated request units consumed since start (1 RU/KB read, 5 RU/KB write)",
      registers: [registry],
      collect() {
        this.set(store.stats().estimatedRu);
      },
    });
    new Gauge({
      name: "fleet_fenced_rejections",
      help: "Factory calls rejected for a stale epoch or a taken lease",
      registers: [registry],
      collect() {
        this.set(coordinator.counters.fencedRejections);
      },
    });
  }

  /** Lets later components (dispatcher, autoscaler) refresh their gauges before a scrape. */
  addCollector(collect: () => Promise<void> | void): void {
    this.extraCollectors.push(collect);
  }

  async render(): Promise<string> {
    for (const collect of this.extraCollectors) await collect();
    return this.registry.metrics();
  }
}
