import type { CheckpointFigures } from "./checks/checkpoints.js";
import type { CompletionFigures } from "./checks/completions.js";
import type { PauseFigures } from "./checks/paused-assignments.js";
import type { ScheduleFigures } from "./checks/schedule-occurrences.js";
import type { SpendFigures } from "./checks/spend.js";
import type { StalledWorkerFigures } from "./checks/stalled-workers.js";
import { HistoryView } from "./history-view.js";
import { FENCING_CODES, type FaultKind } from "./operation.js";

/** What a run reports (RELIABILITY.md, "Figures each run reports"), read off its history. */
export interface HistoryFigures {
  submitted: number;
  unknownOutcome: number;
  recovered: number;
  shipped: number;
  failed: number;
  /** Entries into the dead letters by reason (a replayed job counts each time it entered). */
  deadLettered: Record<string, number>;
  lost: number;
  unexpected: number;
  duplicateCompletions: number;
  deliveries: number;
  duplicateDeliveries: number;
  publishes: number;
  leasesGranted: number;
  takeovers: number;
  fencedRejections: number;
  staleWritesAccepted: number;
  stalledPastLease: number;
  stalledFenced: number;
  replays: number;
  agentKills: number;
  agentPauses: number;
  agentDrains: number;
  poisonCrashes: number;
  coordinatorCrashes: number;
  /** The operators' levers: what was pulled and what the lever invariants judged. */
  levers: LeverFigures;
}

export interface LeverFigures {
  pauses: PauseFigures;
  /** Assignments of jobs that carried a notBefore (delayed submissions, backoffs). */
  delayedAssignments: number;
  spend: SpendFigures;
  schedules: ScheduleFigures;
  checkpoints: CheckpointFigures;
}

export function figuresOf(view: HistoryView, parts: { completions: CompletionFigures; staleWritesAccepted: number; stalled: StalledWorkerFigures; levers: LeverFigures }): HistoryFigures {
  const finals = [...view.commitsByJob.keys()].map((id) => view.finalStage(id));
  const deadLettered: Record<string, number> = {};
  let takeovers = 0;
  let leasesGranted = 0;
  for (const commits of view.commitsByJob.values()) {
    for (const entry of commits.filter((c) => c.stage === "dead_letter" && HistoryView.enteredTerminal(c))) deadLettered[entry.reason ?? "none"] = (deadLettered[entry.reason ?? "none"] ?? 0) + 1;
    const accepted = new Set(commits.filter((c) => c.from === "assigned" && c.stage === "building").map((c) => c.epoch));
    leasesGranted += accepted.size;
    if (accepted.size > 1) takeovers++;
  }
  const delivered = new Map<string, number>();
  for (const d of view.deliveries) delivered.set(`${d.jobId}:${d.epoch}`, (delivered.get(`${d.jobId}:${d.epoch}`) ?? 0) + 1);
  const faults = (kind: FaultKind) => view.faults.filter((f) => f.fault === kind).length;
  return {
    submitted: new Set(view.submits.map((s) => s.key)).size,
    unknownOutcome: parts.completions.unknownOutcome,
    recovered: parts.completions.recovered,
    shipped: finals.filter((s) => s === "shipped").length,
    failed: finals.filter((s) => s === "failed").length,
    deadLettered,
    lost: parts.completions.lost,
    unexpected: parts.completions.unexpected,
    duplicateCompletions: parts.completions.duplicateCompletions,
    deliveries: view.deliveries.length,
    duplicateDeliveries: [...delivered.values()].reduce((sum, n) => sum + n - 1, 0),
    publishes: view.publishes.filter((p) => p.outcome !== "fail").length,
    leasesGranted,
    takeovers,
    fencedRejections: view.factoryOps.filter((op) => op.outcome === "fail" && FENCING_CODES.has(op.code ?? "")).length + view.ops.filter((op) => op.kind === "observe").length,
    staleWritesAccepted: parts.staleWritesAccepted,
    stalledPastLease: parts.stalled.stalledPastLease,
    stalledFenced: parts.stalled.fenced,
    replays: [...view.commitsByJob.values()].reduce((sum, commits) => sum + commits.filter((c) => HistoryView.isReplay(c)).length, 0),
    agentKills: faults("agent-kill"),
    agentPauses: faults("agent-pause"),
    agentDrains: faults("agent-drain"),
    poisonCrashes: faults("poison-crash"),
    coordinatorCrashes: faults("coordinator-crash"),
    levers: parts.levers,
  };
}
