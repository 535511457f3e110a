import { isTerminal, type JobDoc } from "../../contracts/index.js";
import type { FaultPlan } from "./fault-plan.js";
import type { HistoryEvent } from "./history.js";

export interface CheckInput {
  history: readonly HistoryEvent[];
  jobs: readonly JobDoc[];
  submitted: ReadonlyMap<string, { key: string; acknowledged: boolean; poison: boolean }>;
  relayPending: number;
  drainedInTime: boolean;
  plan: FaultPlan;
}

export interface CheckFigures {
  submitted: number;
  shipped: number;
  failed: number;
  deadLettered: Record<string, number>;
  lost: number;
  unexpected: number;
  duplicateCompletions: number;
  leasesGranted: number;
  takeovers: number;
  fencedRejections: number;
  staleWritesAccepted: number;
  agentKills: number;
  agentPauses: number;
  agentDrains: number;
  poisonCrashes: number;
  coordinatorCrashes: number;
}

export interface CheckResult {
  ok: boolean;
  violations: string[];
  figures: CheckFigures;
}

/**
 * Verifies RELIABILITY.md's invariants on a run's history and final state: nothing lost, nothing
 * invented, at most one committed completion per job, epochs only go up, no stale write accepted,
 * stalled workers fenced, dead letters right, the outbox drained, everything terminal after
 * healing. Also fails a run whose injected faults did not fire.
 */
export function checkHistory(input: CheckInput): CheckResult {
  const violations: string[] = [];
  const byId = new Map(input.jobs.map((job) => [job.id, job]));
  const events = input.history;
  const of = (type: HistoryEvent["type"]) => events.filter((e) => e.type === type);

  let lost = 0;
  for (const [id, info] of input.submitted) {
    const job = byId.get(id);
    if (job === undefined || !isTerminal(job.stage)) {
      lost++;
      violations.push(`lost: job ${id} (${info.key}) is ${job === undefined ? "missing" : `'${job.stage}'`} after the drain`);
    }
  }
  let unexpected = 0;
  for (const job of input.jobs) {
    if (!job.idempotencyKey.startsWith("job-")) {
      unexpected++;
      violations.push(`invented: job ${job.id} was never submitted`);
    }
  }

  const completions = new Map<string, number>();
  for (const e of of("completed")) completions.set(e.jobId!, (completions.get(e.jobId!) ?? 0) + 1);
  let duplicateCompletions = 0;
  for (const [id, n] of completions) {
    if (n > 1) {
      duplicateCompletions += n - 1;
      violations.push(`double completion: job ${id} was completed ${n} times (epochs ${of("completed").filter((e) => e.jobId === id).map((e) => e.epoch).join(", ")})`);
    }
  }
  for (const job of input.jobs) {
    const shippedRuns = job.runs.filter((run) => run.result === "shipped").length;
    if (shippedRuns > 1) violations.push(`double completion in the store: job ${job.id} has ${shippedRuns} shipped runs`);
  }

  const lastEpoch = new Map<string, number>();
  let staleWritesAccepted = 0;
  for (const e of events) {
    if (!e.ok || e.jobId === undefined || e.epoch === undefined) continue;
    if (e.type !== "accept" && e.type !== "report" && e.type !== "release") continue;
    const previous = lastEpoch.get(e.jobId) ?? 0;
    if (e.epoch < previous) violations.push(`epoch went down: job ${e.jobId} accepted a ${e.type} for epoch ${e.epoch} after epoch ${previous}`);
    lastEpoch.set(e.jobId, Math.max(previous, e.epoch));
    if ((e.type === "accept" || e.type === "report") && e.currentEpoch !== e.epoch) {
      staleWritesAccepted++;
      violations.push(`stale write accepted: ${e.type} for job ${e.jobId} at epoch ${e.epoch} while the job was at ${e.currentEpoch}`);
    }
  }
  for (const [id, epoch] of lastEpoch) {
    const job = byId.get(id);
    if (job !== undefined && job.leaseEpoch < epoch) violations.push(`epoch went down: job ${id} ended at epoch ${job.leaseEpoch} after ${epoch}`);
  }
  staleWritesAccepted += of("zombie-write").length;
  for (const e of of("zombie-write")) violations.push(`stale write accepted: a fenced writer forced job ${e.jobId} (epoch ${e.epoch})`);

  const deadLettered: Record<string, number> = {};
  for (const job of input.jobs) {
    if (job.stage !== "dead_letter") continue;
    const reason = job.deadLetter?.reason ?? "none";
    deadLettered[reason] = (deadLettered[reason] ?? 0) + 1;
    if (job.deadLetter === undefined) violations.push(`dead letter without a reason: job ${job.id}`);
  }
  for (const [id, info] of input.submitted) {
    const job = byId.get(id);
    if (info.poison && job !== undefined && job.stage !== "dead_letter") violations.push(`poison job ${id} ended '${job.stage}', not dead_letter`);
    if (!info.poison && job?.deadLetter?.source === "broker") violations.push(`healthy job ${id} was dead-lettered by the broker (${job.deadLetter.reason})`);
  }

  if (input.relayPending !== 0) violations.push(`the outbox did not drain: ${input.relayPending} assignments unpublished`);
  if (!input.drainedInTime) violations.push("liveness: not every job reached a terminal state within the bound after healing");

  const pauses = of("agent-pause").length;
  const fenced = of("fenced").length;
  const acceptedEpochs = new Map<string, Set<number>>();
  for (const e of of("accept")) if (e.ok) acceptedEpochs.set(e.jobId!, (acceptedEpochs.get(e.jobId!) ?? new Set()).add(e.epoch!));
  if (pauses > 0 && fenced === 0) violations.push(`faults did not fire: ${pauses} workers paused past their lease but no write was fenced`);
  const poisoned = [...input.submitted.values()].filter((s) => s.poison).length;
  const deadCount = Object.values(deadLettered).reduce((a, b) => a + b, 0);
  if (poisoned > 0 && deadCount === 0) violations.push(`faults did not fire: ${poisoned} poison jobs but no dead letter`);

  const figures: CheckFigures = {
    submitted: input.submitted.size,
    shipped: input.jobs.filter((j) => j.stage === "shipped").length,
    failed: input.jobs.filter((j) => j.stage === "failed").length,
    deadLettered,
    lost,
    unexpected,
    duplicateCompletions,
    leasesGranted: of("accept").filter((e) => e.ok).length,
    takeovers: [...acceptedEpochs.values()].filter((s) => s.size > 1).length,
    fencedRejections: fenced,
    staleWritesAccepted,
    agentKills: of("agent-kill").length,
    agentPauses: pauses,
    agentDrains: of("agent-drain").length,
    poisonCrashes: of("poison-crash").length,
    coordinatorCrashes: of("coordinator-crash").length,
  };
  return { ok: violations.length === 0, violations, figures };
}
