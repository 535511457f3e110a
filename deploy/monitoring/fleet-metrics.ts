/**
 * The metrics a coordinator exports on /metrics, as the dashboard and the alert rules may use them:
 * name, type and label names. Counters end in `_total` so `rate()` and `increase()` apply; a
 * histogram also exists as `<name>_bucket` (with `le`), `<name>_sum` and `<name>_count`.
 */
export type MetricKind = "counter" | "gauge" | "histogram";

export interface MetricDefinition {
  kind: MetricKind;
  labels: readonly string[];
  /** Values a label takes, where they are a closed set. */
  values?: Readonly<Record<string, readonly string[]>>;
}

const counter = (labels: string[] = [], values?: Record<string, string[]>): MetricDefinition => ({ kind: "counter", labels, ...(values === undefined ? {} : { values }) });
const gauge = (labels: string[] = [], values?: Record<string, string[]>): MetricDefinition => ({ kind: "gauge", labels, ...(values === undefined ? {} : { values }) });
const histogram = (labels: string[] = [], values?: Record<string, string[]>): MetricDefinition => ({ kind: "histogram", labels, ...(values === undefined ? {} : { values }) });

const OUTCOME = ["shipped", "failed", "dead_lettered", "cancelled"];
/** The kind of credential a refused request presented (coordinator/auth/credentials.ts). */
const PRESENTED = ["operator", "factory", "enrollment", "unknown", "missing"];

export const FLEET_METRICS: Readonly<Record<string, MetricDefinition>> = {
  fleet_jobs_submitted_total: counter(["product"]),
  fleet_jobs_finished_total: counter(["pool", "product", "outcome"], { outcome: OUTCOME }),
  fleet_assignments_total: counter(["pool"]),
  fleet_leases_reaped_total: counter(["pool"]),
  fleet_fenced_rejections_total: counter(),
  fleet_store_operations_total: counter(["op"]),
  fleet_store_request_units_total: counter(),
  fleet_outbox_published_total: counter(),
  fleet_outbox_publish_failures_total: counter(),
  fleet_dead_letters_reconciled_total: counter(["outcome"]),
  fleet_auth_failures_total: counter(["kind"], { kind: PRESENTED }),
  fleet_http_requests_total: counter(["route", "status"]),

  fleet_submit_to_accept_seconds: histogram(["pool"]),
  fleet_accept_to_finish_seconds: histogram(["pool", "outcome"], { outcome: OUTCOME }),
  fleet_outbox_publish_lag_seconds: histogram(),

  fleet_pool_desired_replicas: gauge(["pool"]),
  fleet_pool_actual_replicas: gauge(["pool"]),
  fleet_pool_max_replicas: gauge(["pool"]),
  fleet_pool_ready_jobs: gauge(["pool"]),
  fleet_pool_in_flight_leases: gauge(["pool"]),
  fleet_pool_awaiting_accept: gauge(["pool"]),
  fleet_pool_capacity_window: gauge(["pool"]),
  fleet_pool_last_accept_timestamp_seconds: gauge(["pool"]),
  fleet_subscription_active_messages: gauge(["pool"]),
  fleet_subscription_dead_letters: gauge(["pool"]),
  fleet_outbox_pending: gauge(),
  fleet_outbox_oldest_pending_seconds: gauge(),
  fleet_outbox_circuit_open: gauge(),
  fleet_jobs_active: gauge(["stage"]),
  fleet_jobs_terminal: gauge(["stage"], { stage: ["shipped", "failed", "cancelled", "dead_letter"] }),

  // prom-client's default process and Node.js metrics.
  process_cpu_seconds_total: counter(),
  nodejs_eventloop_lag_seconds: gauge(),
  nodejs_heap_size_used_bytes: gauge(),
};

/** Labels Prometheus adds to every scraped series. */
export const TARGET_LABELS: readonly string[] = ["job", "instance"];

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** The metric a series name belongs to: `x_bucket`, `x_sum` and `x_count` of histogram `x` are `x`;
 * any other name is itself (the suffixes are only stripped from known histograms, so a gauge
 * queried as `_count` stays unknown). */
export function metricOfSeries(series: string): string {
  const base = series.replace(HISTOGRAM_SERIES, "");
  return base !== series && FLEET_METRICS[base]?.kind === "histogram" ? base : series;
}
