import { isTerminal } from "../../../contracts/index.js";
import { HistoryView } from "../history-view.js";
import { type Violation, violation } from "../violation.js";
import { dueOccurrences } from "./schedule-occurrences.js";

export interface CompletionFigures {
  acknowledged: number;
  unknownOutcome: number;
  recovered: number;
  lost: number;
  unexpected: number;
  duplicateCompletions: number;
}

/**
 * Jepsen's queue checker, for jobs: every acknowledged submission ends in a terminal stage (else
 * lost); nothing is stored that no client submitted (unexpected); no job is completed twice, in
 * the store (two shipped commits) or in effect (two workers told that their shipped release was
 * accepted, for different attempts: both would deliver their work). A submission whose outcome
 * the client never learned is "recovered" if its job shows up and is never counted as lost if it
 * does not. A recurring schedule submits for itself: the occurrences it owes are expected as if a
 * client had submitted them (and must end terminal like any acknowledged job); a job under an
 * occurrence key it did not owe is unexpected.
 */
export function checkCompletions(view: HistoryView): { violations: Violation[]; figures: CompletionFigures } {
  const violations: Violation[] = [];
  const acknowledged = new Map<string, string>();
  const submittedKeys = new Set<string>();
  for (const submit of view.submits) {
    submittedKeys.add(submit.key);
    if (submit.outcome === "ok" && submit.jobId !== undefined) acknowledged.set(submit.jobId, submit.key);
  }
  const scheduled = new Set(dueOccurrences(view).map((occurrence) => `${occurrence.productId}|${occurrence.key}`));
  for (const [jobId, commits] of view.commitsByJob) {
    const first = commits[0];
    if (first !== undefined && scheduled.has(`${first.productId}|${first.key}`)) {
      submittedKeys.add(first.key);
      acknowledged.set(jobId, first.key);
    }
  }
  const acknowledgedKeys = new Set(acknowledged.values());
  const createdKeys = new Set<string>();
  for (const commits of view.commitsByJob.values()) if (commits[0] !== undefined) createdKeys.add(commits[0].key);
  const unknownKeys = [...submittedKeys].filter((key) => !acknowledgedKeys.has(key));

  let lost = 0;
  for (const [jobId, key] of acknowledged) {
    const stage = view.finalStage(jobId);
    if (stage !== undefined && isTerminal(stage)) continue;
    lost++;
    violations.push(violation("lost", `lost: job ${jobId} (${key}) was acknowledged but is ${stage === undefined ? "not in the store" : `'${stage}'`} after the drain`, jobId));
  }

  let unexpected = 0;
  for (const [jobId, commits] of view.commitsByJob) {
    const key = commits[0]?.key;
    if (key !== undefined && submittedKeys.has(key)) continue;
    unexpected++;
    violations.push(violation("unexpected", `unexpected: job ${jobId} (${key ?? "no key"}) is in the store but no client submitted it`, jobId));
  }

  let duplicateCompletions = 0;
  const acceptedReleases = new Map<string, Set<string>>();
  for (const op of view.factoryOps) {
    if (op.kind !== "release" || op.detail !== "shipped" || op.outcome !== "ok") continue;
    acceptedReleases.set(op.jobId, (acceptedReleases.get(op.jobId) ?? new Set()).add(`${op.actor} (epoch ${op.epoch})`));
  }
  for (const [jobId, commits] of view.commitsByJob) {
    const shipped = commits.filter((c) => c.stage === "shipped" && HistoryView.enteredTerminal(c));
    const told = acceptedReleases.get(jobId) ?? new Set<string>();
    const completions = Math.max(shipped.length, told.size);
    if (completions <= 1) continue;
    duplicateCompletions += completions - 1;
    const how = shipped.length > 1 ? `shipped ${shipped.length} times in the store (epochs ${shipped.map((c) => c.epoch).join(", ")})` : `completed in effect by ${[...told].join(" and ")}`;
    violations.push(violation("duplicate-completion", `duplicate completion: job ${jobId} was ${how}`, jobId));
  }

  return {
    violations,
    figures: {
      acknowledged: acknowledged.size,
      unknownOutcome: unknownKeys.length,
      recovered: unknownKeys.filter((key) => createdKeys.has(key)).length,
      lost,
      unexpected,
      duplicateCompletions,
    },
  };
}
