import { Counter, Histogram } from "prom-client";
import { RUNNING_STAGES, type JobDoc, isTerminal } from "../../contracts/index.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { MetricsHub } from "./metrics-hub.js";

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600];
const RUN_BUCKETS_S = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400];

/** Reasons the reaper writes when it takes a lease back (coordinator/lifecycle/reap-lease.ts). */
const REAP_REASONS = new Set(["accept deadline passed", "lease expired"]);

/**
 * Counters and histograms of the job flow, fed by every committed change (after the write).
 * Attach AFTER the coordinator rebuilt its indexes: the rebuild replays active jobs to listeners,
 * and those are not new submissions.
 */
export function registerJobFlowMetrics(hub: MetricsHub, coordinator: Coordinator): void {
  const registers = [hub.registry];
  const submitted = new Counter({ name: "fleet_jobs_submitted_total", help: "Jobs created, by product", labelNames: ["product"], registers });
  const finished = new Counter({
    name: "fleet_jobs_finished_total",
    help: "Jobs that reached a terminal stage, by pool, product and outcome (shipped, failed, dead_lettered, cancelled)",
    labelNames: ["pool", "product", "outcome"],
    registers,
  });
  const assignments = new Counter({ name: "fleet_assignments_total", help: "Assignments committed, by pool", labelNames: ["pool"], registers });
  const reaped = new Counter({ name: "fleet_leases_reaped_total", help: "Leases taken back by the reaper (not accepted in time, or not renewed)", labelNames: ["pool"], registers });
  const submitToAccept = new Histogram({
    name: "fleet_submit_to_accept_seconds",
    help: "From the moment a job became ready to the accept of its assignment, by pool",
    labelNames: ["pool"],
    buckets: LATENCY_BUCKETS_S,
    registers,
  });
  const acceptToFinish = new Histogram({
    name: "fleet_accept_to_finish_seconds",
    help: "From accept to the end of the attempt, by pool and outcome (shipped, failed, dead_lettered, cancelled, requeued)",
    labelNames: ["pool", "outcome"],
    buckets: RUN_BUCKETS_S,
    registers,
  });
  for (const pool of coordinator.poolViews()) {
    // Zero series exist from the start, so dashboards and rate() see every pool.
    assignments.inc({ pool: pool.definition.name }, 0);
    reaped.inc({ pool: pool.definition.name }, 0);
  }
  const now = () => coordinator.clock.now();
  coordinator.onCommit((previous, next) => {
    if (previous === undefined) {
      if (next.attempts === 0 && next.runs.length === 0 && (next.stage === "queued" || next.stage === "blocked")) submitted.inc({ product: next.productId });
      return;
    }
    if (previous.stage === next.stage) return;
    const pool = poolOf(previous) ?? poolOf(next) ?? "none";
    if (previous.stage === "queued" && next.stage === "assigned") assignments.inc({ pool });
    if (previous.stage === "assigned" && next.stage === "building" && next.lease?.acceptedAt !== undefined) {
      submitToAccept.observe({ pool }, Math.max(0, next.lease.acceptedAt - previous.queuedAt) / 1000);
    }
    if (previous.lease !== undefined && (next.stage === "queued" || next.stage === "dead_letter") && REAP_REASONS.has(next.stageReason ?? "")) {
      reaped.inc({ pool });
    }
    if (RUNNING_STAGES.has(previous.stage) && !RUNNING_STAGES.has(next.stage) && previous.lease?.acceptedAt !== undefined) {
      acceptToFinish.observe({ pool, outcome: outcomeOf(next) }, Math.max(0, now() - previous.lease.acceptedAt) / 1000);
    }
    if (isTerminal(next.stage)) finished.inc({ pool, product: next.productId, outcome: outcomeOf(next) });
  });
}

function poolOf(job: JobDoc): string | undefined {
  return job.lease?.pool ?? job.runs.at(-1)?.pool;
}

function outcomeOf(job: JobDoc): string {
  return job.stage === "dead_letter" ? "dead_lettered" : job.stage === "queued" ? "requeued" : job.stage;
}
