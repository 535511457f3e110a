import { HistoryView, invocationOf } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

/**
 * No job is assigned before its `notBefore` (a delayed submission, a retry's backoff, a run asked
 * for later): every assignment commit comes at or after the instant the job's last committed
 * state said it may run.
 */
export function checkNotBefore(view: HistoryView): { violations: Violation[]; delayedAssignments: number } {
  const violations: Violation[] = [];
  let delayedAssignments = 0;
  for (const [jobId, commits] of view.commitsByJob) {
    for (const commit of commits) {
      if (!HistoryView.isAssignment(commit)) continue;
      const notBefore = view.stateBefore(jobId, invocationOf(commit))?.notBefore;
      if (notBefore === undefined) continue;
      delayedAssignments++;
      if (commit.invokedAt < notBefore) {
        violations.push(violation("assigned-before-not-before", `assigned too early: job ${jobId} was assigned at ${commit.invokedAt} (epoch ${commit.epoch}) though it was not to run before ${notBefore}`, jobId));
      }
    }
  }
  return { violations, delayedAssignments };
}
