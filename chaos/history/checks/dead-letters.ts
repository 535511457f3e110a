import { HistoryView } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

export interface DeadLetterCheckOptions {
  /** Replayed work was fixed before the replay: a dead letter after a replay is healthy work. */
  replayMustShip: boolean;
}

/**
 * Dead letters are right: poison work reaches the dead letters, healthy work never does, and no
 * job sits there twice (at most one entry per life, and the operator's list shows each job once).
 */
export function checkDeadLetters(view: HistoryView, options: DeadLetterCheckOptions): Violation[] {
  const violations: Violation[] = [];
  const poison = view.poisonJobs();
  for (const jobId of view.commitsByJob.keys()) {
    view.livesOf(jobId).forEach((life, index) => {
      const entries = life.filter((c) => c.stage === "dead_letter" && HistoryView.enteredTerminal(c));
      const poisonous = poison.has(jobId) && (index === 0 || !options.replayMustShip);
      if (entries.length > 1) violations.push(violation("dlq-duplicate", `duplicate dead letter: job ${jobId} entered the dead letters ${entries.length} times without a replay`, jobId));
      const entry = entries[0];
      if (entry !== undefined && !poisonous) {
        violations.push(violation("healthy-dead-lettered", `healthy work dead-lettered: job ${jobId} ended dead_letter (${entry.reason ?? "no reason"}) at epoch ${entry.epoch} after ${entry.attempts} attempts`, jobId));
      }
      const end = life.find((c) => HistoryView.enteredTerminal(c));
      if (poisonous && index === 0 && end !== undefined && end.stage !== "dead_letter") {
        violations.push(violation("poison-not-dead-lettered", `poison job ${jobId} ended '${end.stage}', not dead_letter`, jobId));
      }
    });
  }
  for (const list of view.ops) {
    if (list.kind !== "dlq-list") continue;
    const seen = new Set<string>();
    for (const jobId of list.jobIds) {
      if (seen.has(jobId)) violations.push(violation("dlq-duplicate", `duplicate dead letter: the dead-letter list shows job ${jobId} twice`, jobId));
      seen.add(jobId);
    }
  }
  return violations;
}
