import { RUNNING_STAGES } from "../../../contracts/index.js";
import { type HistoryView, type Point, completionOf, invocationOf, isBefore } from "../history-view.js";
import { FENCING_CODES, type FactoryOp, type FaultOp } from "../operation.js";
import { type Violation, violation } from "../violation.js";

export interface StalledWorkerFigures {
  /** Pauses that outlasted the paused worker's lease. */
  stalledPastLease: number;
  /** Of those, the ones whose worker was fenced after it resumed. */
  fenced: number;
}

/**
 * Each stalled worker is fenced, per pause: a worker paused while holding a lease, whose lease
 * was lost by the time it resumed (expired on the coordinator's clock, or the job moved on), must
 * be told so (a fencing answer, or its own log saying so) and must stop: no new call for that
 * attempt after the first fencing answer (a call already being retried may see its last tries
 * rejected too).
 */
export function checkStalledWorkers(view: HistoryView): { violations: Violation[]; figures: StalledWorkerFigures } {
  const violations: Violation[] = [];
  const figures: StalledWorkerFigures = { stalledPastLease: 0, fenced: 0 };
  for (const pause of view.faults) {
    if (pause.fault !== "agent-pause") continue;
    const resume = view.faults.find((f) => f.fault === "agent-resume" && f.actor === pause.actor && isBefore(invocationOf(pause), invocationOf(f)));
    if (resume === undefined) continue;
    for (const held of heldAt(view, pause)) {
      const after = view.stateBefore(held.jobId, invocationOf(resume));
      // Without the lease's expiry in the history (live: timelines keep no renewals), only a job
      // that moved on proves the lease was lost.
      const lost = after === undefined || after.epoch !== held.epoch || after.factoryId !== pause.actor || (after.expiresAt !== undefined && after.expiresAt <= resume.invokedAt);
      if (!lost) continue;
      figures.stalledPastLease++;
      const fencedAt = firstFencing(view, pause.actor, held.jobId, held.epoch, invocationOf(resume));
      if (fencedAt === undefined) {
        violations.push(violation("stalled-worker-not-fenced", `stalled worker not fenced: ${pause.actor} was paused at ${pause.invokedAt} holding ${held.jobId}:${held.epoch}, resumed at ${resume.invokedAt} past its lease, and was never fenced`, held.jobId));
        continue;
      }
      figures.fenced++;
      const later = callsStartedAfter(view, pause.actor, held.jobId, held.epoch, fencedAt);
      if (later.length > 0) {
        violations.push(
          violation("stalled-worker-kept-working", `fenced worker kept working: ${pause.actor} made ${later.length} more calls (${later.map((op) => op.kind).join(", ")}) for ${held.jobId}:${held.epoch} after it was fenced at ${fencedAt.at}`, held.jobId),
        );
      }
    }
  }
  return { violations, figures };
}

/** The agent's calls for the attempt whose first try came after `point`. */
function callsStartedAfter(view: HistoryView, agent: string, jobId: string, epoch: number, point: Point): FactoryOp[] {
  const firstTry = new Map<number, FactoryOp>();
  const calls: FactoryOp[] = [];
  for (const op of view.factoryOps) {
    if (op.actor !== agent || op.jobId !== jobId || op.epoch !== epoch) continue;
    if (op.call !== undefined) {
      if (firstTry.has(op.call)) continue;
      firstTry.set(op.call, op);
    }
    if (isBefore(point, invocationOf(op))) calls.push(op);
  }
  return calls;
}

/** The attempts the paused agent held when it was paused, from the committed leases. */
function heldAt(view: HistoryView, pause: FaultOp): { jobId: string; epoch: number }[] {
  const held: { jobId: string; epoch: number }[] = [];
  for (const jobId of view.commitsByJob.keys()) {
    const state = view.stateBefore(jobId, invocationOf(pause));
    if (state !== undefined && state.factoryId === pause.actor && RUNNING_STAGES.has(state.stage)) held.push({ jobId, epoch: state.epoch });
  }
  return held;
}

function firstFencing(view: HistoryView, agent: string, jobId: string, epoch: number, after: Point): Point | undefined {
  let first: Point | undefined;
  for (const op of view.ops) {
    const isFenced =
      ((op.kind === "accept" || op.kind === "renew" || op.kind === "report" || op.kind === "release") && op.outcome === "fail" && FENCING_CODES.has(op.code ?? "")) ||
      (op.kind === "observe" && op.what === "fenced");
    if (!isFenced || op.actor !== agent || op.jobId !== jobId || op.epoch !== epoch) continue;
    const done = completionOf(op);
    if (done === undefined || !isBefore(after, done)) continue;
    if (first === undefined || isBefore(done, first)) first = done;
  }
  return first;
}
