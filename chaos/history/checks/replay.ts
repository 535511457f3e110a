import { HistoryView } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

/**
 * A replay from the dead letters runs the job once: each replay an operator asked for is one
 * replay commit (none unasked, none twice), and the replayed life ends exactly once, shipped when
 * the cause was fixed before the replay.
 */
export function checkReplays(view: HistoryView, options: { replayMustShip: boolean }): Violation[] {
  const violations: Violation[] = [];
  const requested = new Map<string, number>();
  for (const op of view.ops) if (op.kind === "replay" && op.outcome !== "fail") requested.set(op.jobId, (requested.get(op.jobId) ?? 0) + 1);
  for (const [jobId, commits] of view.commitsByJob) {
    const replays = commits.filter((c) => HistoryView.isReplay(c)).length;
    const asked = requested.get(jobId) ?? 0;
    if (replays !== asked) violations.push(violation("replay-not-once", `replay not once: job ${jobId} was replayed ${replays} times for ${asked} replay requests`, jobId));
    view.livesOf(jobId).slice(1).forEach((life, index) => {
      const ends = life.filter((c) => HistoryView.enteredTerminal(c));
      if (ends.length > 1) violations.push(violation("replay-not-once", `replay not once: replay ${index + 1} of job ${jobId} ended ${ends.length} times`, jobId));
      const end = ends[0];
      if (options.replayMustShip && end !== undefined && end.stage !== "shipped") {
        violations.push(violation("replay-not-once", `replay did not complete: replay ${index + 1} of job ${jobId} ended '${end.stage}' (${end.reason ?? "no reason"}) although its cause was fixed`, jobId));
      }
    });
  }
  for (const [jobId, asked] of requested) {
    if (!view.commitsByJob.has(jobId)) violations.push(violation("replay-not-once", `replay not once: ${asked} replays of job ${jobId}, which is not in the store`, jobId));
  }
  return violations;
}
