import { type HistoryView, invocationOf, isBefore } from "../history-view.js";
import type { CommitOp } from "../operation.js";
import { type Violation, violation } from "../violation.js";

export interface OutboxCheckOptions {
  healedAt: number;
  /** A committed assignment must be published within this long after max(commit, heal). */
  boundMs: number;
  /** Unpublished assignments the relay still held at the end. */
  relayPending: number;
}

const isAssignment = (c: CommitOp) => c.stage === "assigned" && c.from !== "assigned";

/**
 * The outbox: nothing is published without a committed assignment of that epoch, every committed
 * assignment is published within the bound after the broker heals (unless the job moved on first:
 * accepted, requeued, finished), and the relay holds nothing at the end. The ordering checks need
 * the relay's publishes in the history; without them only the drain is checked.
 */
export function checkOutbox(view: HistoryView, options: OutboxCheckOptions): Violation[] {
  const violations: Violation[] = [];
  if (options.relayPending !== 0) violations.push(violation("outbox-not-drained", `the outbox did not drain: ${options.relayPending} committed assignments were never published`));
  if (!view.has("publish")) return violations;
  for (const publish of view.publishes) {
    const committed = view.commitsOf(publish.jobId).some((c) => isAssignment(c) && c.epoch === publish.epoch && isBefore(invocationOf(c), invocationOf(publish)));
    if (!committed) {
      violations.push(violation("publish-without-commit", `published without a committed assignment: ${publish.jobId}:${publish.epoch} went to the broker at ${publish.invokedAt} before any assignment of that epoch was committed`, publish.jobId));
    }
  }
  for (const [jobId, commits] of view.commitsByJob) {
    commits.forEach((commit, index) => {
      if (!isAssignment(commit)) return;
      const due = Math.max(commit.invokedAt, options.healedAt) + options.boundMs;
      const published = view.publishes.some((p) => p.jobId === jobId && p.epoch === commit.epoch && p.outcome !== "fail" && p.invokedAt <= due && isBefore(invocationOf(commit), invocationOf(p)));
      const movedOn = commits.slice(index + 1).some((later) => later.invokedAt <= due && (later.epoch !== commit.epoch || later.stage !== "assigned"));
      if (!published && !movedOn) {
        violations.push(violation("outbox-lag", `outbox lag: the assignment ${jobId}:${commit.epoch} committed at ${commit.invokedAt} was not published by ${due} (${options.boundMs} ms after the heal or the commit)`, jobId));
      }
    });
  }
  return violations;
}
