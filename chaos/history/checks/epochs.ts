import type { HistoryView } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

/**
 * Epochs only go up, across coordinator restarts too (they live in the job document): no commit
 * lowers a job's epoch, and every assignment and every return to `queued` from a held or finished
 * stage raises it (that is what fences whoever held the job before).
 */
export function checkEpochs(view: HistoryView): Violation[] {
  const violations: Violation[] = [];
  for (const [jobId, commits] of view.commitsByJob) {
    for (let i = 1; i < commits.length; i++) {
      const before = commits[i - 1]!;
      const commit = commits[i]!;
      if (commit.epoch < before.epoch) {
        violations.push(violation("epoch-regression", `epoch went down: job ${jobId} went from epoch ${before.epoch} to ${commit.epoch} ('${before.stage}' to '${commit.stage}')`, jobId));
        continue;
      }
      const from = commit.from;
      const bumps = from !== undefined && from !== commit.stage && (commit.stage === "assigned" || (commit.stage === "queued" && from !== "blocked"));
      if (bumps && commit.epoch <= before.epoch) {
        violations.push(violation("epoch-not-bumped", `epoch not bumped: job ${jobId} moved from '${from}' to '${commit.stage}' keeping epoch ${commit.epoch}`, jobId));
      }
    }
  }
  return violations;
}
