import { Counter, Registry, collectDefaultMetrics } from "prom-client";
import { PRESENTED_KINDS, type PresentedKind } from "../../coordinator/auth/credentials.js";

/**
 * The process's Prometheus registry: every component's metrics are registered on it by the
 * composition root, so what one process exports is what every process built the same way exports.
 * Collectors run before each scrape and read in-memory state only (never the store).
 */
export class MetricsHub {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"route" | "status">;
  readonly authFailures: Counter<"kind">;
  private readonly collectors: (() => Promise<void> | void)[] = [];

  constructor(options: { processMetrics: boolean }) {
    this.httpRequests = new Counter({
      name: "fleet_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [this.registry],
    });
    this.authFailures = new Counter({
      name: "fleet_auth_failures_total",
      help: "Requests refused by authentication (401, or 403 for the wrong kind of credential), by the kind of credential presented: operator, factory, enrollment, unknown (a token naming no credential held) or missing",
      labelNames: ["kind"],
      registers: [this.registry],
    });
    // Every kind from the start, so increase() over a window that saw the first refusal counts it.
    for (const kind of PRESENTED_KINDS) this.authFailures.inc({ kind }, 0);
    // Process and Node metrics (CPU, memory, event loop lag, GC): one set per process.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  countRequest(route: string, status: number): void {
    this.httpRequests.inc({ route, status: String(status) });
  }

  countAuthFailure(kind: PresentedKind): void {
    this.authFailures.inc({ kind });
  }

  /** Refreshes gauges that need an asynchronous read (broker counts) before a scrape. */
  addCollector(collect: () => Promise<void> | void): void {
    this.collectors.push(collect);
  }

  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    return this.registry.metrics();
  }

  /** Every metric family name registered (for the parity checks between processes). */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((metric) => metric.name).sort();
  }
}
