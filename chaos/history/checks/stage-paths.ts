import { type Actor, canTransition } from "../../../coordinator/lifecycle/transitions.js";
import type { HistoryView } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

function isActor(name: string | undefined): name is Actor {
  return name === "coordinator" || name === "factory" || name === "operator";
}

/**
 * Every stage path is legal per the transition table (coordinator/lifecycle/transitions.ts),
 * judged on what the store applied: a job is created queued or blocked, and every later change of
 * stage is one the table allows to the actor whose timeline event records it.
 */
export function checkStagePaths(view: HistoryView): Violation[] {
  const violations: Violation[] = [];
  for (const [jobId, commits] of view.commitsByJob) {
    const first = commits[0];
    if (first !== undefined && first.from === undefined && first.stage !== "queued" && first.stage !== "blocked") {
      violations.push(violation("illegal-transition", `illegal transition: job ${jobId} was created in stage '${first.stage}' (only queued or blocked)`, jobId));
    }
    for (const commit of commits.slice(1)) {
      const from = commit.from;
      if (from === undefined || from === commit.stage) continue;
      const actor = commit.eventActor;
      if (!isActor(actor)) {
        violations.push(violation("illegal-transition", `illegal transition: job ${jobId} moved from '${from}' to '${commit.stage}' without a timeline event saying who moved it`, jobId));
      } else if (!canTransition(from, commit.stage, actor)) {
        violations.push(violation("illegal-transition", `illegal transition: a ${actor} moved job ${jobId} from '${from}' to '${commit.stage}' (epoch ${commit.epoch}), which the transition table forbids`, jobId));
      }
    }
  }
  return violations;
}
