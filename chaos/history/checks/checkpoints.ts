import { RUNNING_STAGES } from "../../../contracts/index.js";
import { type HistoryView, invocationOf, isBefore } from "../history-view.js";
import type { CommitOp, FactoryOp } from "../operation.js";
import { type Violation, violation } from "../violation.js";

export interface CheckpointFigures {
  /** Runs handed back with outcome `drained` (preempted, stopped, scale-in) that took effect. */
  drainedReleases: number;
  /** Of those, preemptions: the victim released for a critical job. */
  preemptions: number;
  /** Preemptions the coordinator asked for (a victim marked; some finish first). */
  preemptionsRequested: number;
  /** Requeues of running work (drained, failed, expired) whose next attempt started from the
   * checkpoint the job was requeued with. */
  resumedFromCheckpoint: number;
}

/**
 * A preempted (or otherwise requeued) job never loses its checkpoint: every write that takes a
 * job from a running stage back to `queued` keeps the checkpoint (the one the drained release
 * handed back, else the one the job had), and the next attempt's engine starts from exactly that
 * checkpoint.
 */
export function checkCheckpoints(view: HistoryView): { violations: Violation[]; figures: CheckpointFigures } {
  const violations: Violation[] = [];
  const figures: CheckpointFigures = { drainedReleases: 0, preemptions: 0, preemptionsRequested: 0, resumedFromCheckpoint: 0 };
  const releaseOf = new Map<CommitOp, FactoryOp>(view.effectiveReleases().map(({ release, effect }) => [effect, release]));
  for (const [jobId, commits] of view.commitsByJob) {
    for (const commit of commits) {
      if (commit.events.includes("preemption_requested")) figures.preemptionsRequested++;
      if (commit.stage !== "queued" || commit.from === undefined || !RUNNING_STAGES.has(commit.from)) continue;
      const release = releaseOf.get(commit);
      const preempted = commit.events.includes("preempted");
      if (release?.detail === "drained") figures.drainedReleases++;
      if (preempted) figures.preemptions++;
      const before = view.stateBefore(jobId, invocationOf(commit));
      const expected = release?.checkpoint ?? before?.checkpoint;
      const why = preempted ? "preempted" : release?.detail === "drained" ? "released drained" : "requeued";
      if (commit.checkpoint !== expected) {
        violations.push(violation("checkpoint-lost", `checkpoint lost: job ${jobId} was ${why} at epoch ${before?.epoch ?? "?"} with checkpoint ${expected ?? "none"} and requeued with ${commit.checkpoint ?? "none"}`, jobId));
        continue;
      }
      const next = view.engineStarts.find((start) => start.jobId === jobId && start.epoch > commit.epoch && isBefore(invocationOf(commit), invocationOf(start)));
      if (next === undefined) continue;
      if (next.checkpoint !== expected) {
        violations.push(violation("checkpoint-lost", `checkpoint lost: job ${jobId} was ${why} with checkpoint ${expected ?? "none"}, but its next attempt (epoch ${next.epoch}) started from ${next.checkpoint ?? "nothing"}`, jobId));
      } else if (expected !== undefined) {
        figures.resumedFromCheckpoint++;
      }
    }
  }
  return { violations, figures };
}
