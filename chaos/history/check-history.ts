import { checkCheckpoints } from "./checks/checkpoints.js";
import { checkCompletions } from "./checks/completions.js";
import { checkConcurrentExecution } from "./checks/concurrent-execution.js";
import { checkDeadLetters } from "./checks/dead-letters.js";
import { checkEpochs } from "./checks/epochs.js";
import { checkFencing } from "./checks/fencing.js";
import { checkLiveness } from "./checks/liveness.js";
import { checkNotBefore } from "./checks/not-before.js";
import { checkOutbox } from "./checks/outbox.js";
import { checkPausedAssignments } from "./checks/paused-assignments.js";
import { checkReplays } from "./checks/replay.js";
import { checkScheduleOccurrences } from "./checks/schedule-occurrences.js";
import { checkSpend } from "./checks/spend.js";
import { checkStagePaths } from "./checks/stage-paths.js";
import { checkStalledWorkers } from "./checks/stalled-workers.js";
import { type HistoryFigures, figuresOf } from "./history-figures.js";
import { HistoryView } from "./history-view.js";
import type { Operation } from "./operation.js";
import type { Invariant, Violation } from "./violation.js";

export interface CheckHistoryInput {
  history: readonly Operation[];
  /** When the last injected fault healed (virtual or wall ms). */
  healedAt: number;
  /** A committed assignment must be published within this long after max(commit, heal). */
  outboxBoundMs: number;
  /** Committed assignments the relay still held unpublished at the end. */
  relayPending: number;
  /** Whether every job reached a terminal stage within the drain bound. */
  drainedInTime: boolean;
  /** The cause of the dead letters was fixed before they were replayed, so replays must ship. */
  replayMustShip: boolean;
}

export interface HistoryCheck {
  ok: boolean;
  violations: Violation[];
  /** Invariants the history held no operations for (for example publish ordering, live). */
  notRecorded: Invariant[];
  figures: HistoryFigures;
}

/**
 * Verifies RELIABILITY.md's invariants on a recorded history after the final drain, in the spirit
 * of Jepsen's queue checker: lost, unexpected and duplicated completions; no two agents executing
 * one attempt at once; legal stage paths; epochs only going up; no stale write accepted; no publish
 * without a committed assignment and the outbox within its bound; dead letters right; replays
 * completing once; each stalled worker fenced; the operators' levers (no assignment to a paused
 * product or pool, none before its notBefore, spend exactly the runs' cost, every schedule
 * occurrence submitted once, checkpoints kept across preemption); liveness; and that the
 * injected faults fired.
 */
export function checkHistory(input: CheckHistoryInput): HistoryCheck {
  const view = new HistoryView(input.history);
  const completions = checkCompletions(view);
  const fencing = checkFencing(view);
  const stalled = checkStalledWorkers(view);
  const pauses = checkPausedAssignments(view);
  const notBefore = checkNotBefore(view);
  const spend = checkSpend(view);
  const schedules = checkScheduleOccurrences(view);
  const checkpoints = checkCheckpoints(view);
  const violations: Violation[] = [
    ...completions.violations,
    ...checkConcurrentExecution(view),
    ...checkStagePaths(view),
    ...checkEpochs(view),
    ...fencing.violations,
    ...checkOutbox(view, { healedAt: input.healedAt, boundMs: input.outboxBoundMs, relayPending: input.relayPending }),
    ...checkDeadLetters(view, { replayMustShip: input.replayMustShip }),
    ...checkReplays(view, { replayMustShip: input.replayMustShip }),
    ...stalled.violations,
    ...pauses.violations,
    ...notBefore.violations,
    ...spend.violations,
    ...schedules.violations,
    ...checkpoints.violations,
    ...checkLiveness(view, { drainedInTime: input.drainedInTime, stalledPastLease: stalled.figures.stalledPastLease }),
  ];
  const notRecorded: Invariant[] = [];
  if (!view.has("publish")) notRecorded.push("publish-without-commit", "outbox-lag");
  if (view.factoryOps.length === 0) notRecorded.push("concurrent-execution", "stale-write");
  if (view.controls.size === 0) notRecorded.push("assigned-while-paused");
  if (view.spendReadings.length === 0 && !view.factoryOps.some((op) => op.costMicro !== undefined)) notRecorded.push("spend-mismatch");
  if (view.schedules.size === 0) notRecorded.push("schedule-submitted-twice", "schedule-occurrence-skipped");
  if (view.engineStarts.length === 0) notRecorded.push("checkpoint-lost");
  return {
    ok: violations.length === 0,
    violations,
    notRecorded,
    figures: figuresOf(view, {
      completions: completions.figures,
      staleWritesAccepted: fencing.staleWritesAccepted,
      stalled: stalled.figures,
      levers: { pauses: pauses.figures, delayedAssignments: notBefore.delayedAssignments, spend: spend.figures, schedules: schedules.figures, checkpoints: checkpoints.figures },
    }),
  };
}
