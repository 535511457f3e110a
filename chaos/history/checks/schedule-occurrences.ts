import { isTerminal, occurrenceKey } from "../../../contracts/index.js";
import { nextOccurrence } from "../../../coordinator/scheduler/cron-expression.js";
import { type HistoryView, invocationOf, isBefore } from "../history-view.js";
import type { CommitOp, ScheduleOp } from "../operation.js";
import { type Violation, violation } from "../violation.js";

export interface ScheduleFigures {
  /** Occurrences due between each schedule's creation and its deletion, outside its pauses. */
  expected: number;
  /** Of those, submitted once. */
  submitted: number;
  /** Of those, submitted more than a second after they fell due (the coordinator was down, or the
   * store refused the first tries). */
  late: number;
  /** Of those, skipped under overlap `skip` while the previous occurrence's job was still active
   * (excused: that is what the policy says). */
  skippedForOverlap: number;
}

/** One occurrence a schedule owes: its instant, and the job key it is submitted under. */
export interface DueOccurrence {
  productId: string;
  name: string;
  at: number;
  key: string;
}

/** The last write of the schedule strictly before `time` (a pause written at an occurrence's
 * instant does not cover it: the coordinator may already have handled it). */
function stateAt(ops: readonly ScheduleOp[], time: number): ScheduleOp | undefined {
  let last: ScheduleOp | undefined;
  for (const op of ops) {
    if (op.invokedAt >= time) break;
    last = op;
  }
  return last;
}

/**
 * Every occurrence each recorded schedule owes: from its first run at or after its creation,
 * every run time of its cron expression (read in its time zone) before its deletion (or a second
 * before the history ends), except the run times at which it was paused.
 */
export function dueOccurrences(view: HistoryView): DueOccurrence[] {
  const due: DueOccurrence[] = [];
  const end = (view.ops.at(-1)?.invokedAt ?? 0) - 1000;
  for (const ops of view.schedules.values()) {
    const created = ops[0];
    if (created === undefined) continue;
    const deletion = ops.find((op) => op.deleted);
    const until = deletion === undefined ? end : Math.min(end, deletion.invokedAt);
    for (let at = nextOccurrence(created.cron, created.timeZone, created.createdAt - 1); at !== undefined && at < until; ) {
      const state = stateAt(ops, at);
      if (state !== undefined && !state.deleted && !state.paused) due.push({ productId: created.productId, name: created.name, at, key: occurrenceKey(created.name, at) });
      at = nextOccurrence(state?.cron ?? created.cron, state?.timeZone ?? created.timeZone, at);
    }
  }
  return due;
}

/**
 * No schedule occurrence is submitted twice or skipped: each occurrence a schedule owes (see
 * dueOccurrences) has exactly one job, created under its key; one without a job is excused only
 * when the schedule's overlap policy is `skip`, the schedule recorded that occurrence as skipped,
 * and the job of the previous occurrence was still active then. (A job created for an occurrence
 * the schedule did not owe, while paused or after its deletion, is reported as unexpected by the
 * completions check.)
 */
export function checkScheduleOccurrences(view: HistoryView): { violations: Violation[]; figures: ScheduleFigures } {
  const violations: Violation[] = [];
  const figures: ScheduleFigures = { expected: 0, submitted: 0, late: 0, skippedForOverlap: 0 };
  const created = new Map<string, CommitOp[]>();
  for (const commits of view.commitsByJob.values()) {
    const first = commits[0];
    if (first !== undefined && first.from === undefined && first.key.startsWith("schedule:")) created.set(`${first.productId}|${first.key}`, [...(created.get(`${first.productId}|${first.key}`) ?? []), first]);
  }
  const jobsOf = (occurrence: DueOccurrence) => created.get(`${occurrence.productId}|${occurrence.key}`) ?? [];
  const due = dueOccurrences(view);
  for (const [index, occurrence] of due.entries()) {
    figures.expected++;
    const jobs = jobsOf(occurrence);
    const what = `occurrence ${new Date(occurrence.at).toISOString()} of schedule ${occurrence.productId}/${occurrence.name}`;
    if (jobs.length > 1) {
      violations.push(violation("schedule-submitted-twice", `schedule submitted twice: ${what} has ${jobs.length} jobs (${jobs.map((j) => j.jobId).join(", ")})`, jobs[0]!.jobId));
      continue;
    }
    if (jobs.length === 1) {
      figures.submitted++;
      if (jobs[0]!.invokedAt > occurrence.at + 1000) figures.late++;
      continue;
    }
    const previous = due.slice(0, index).reverse().find((d) => d.productId === occurrence.productId && d.name === occurrence.name && jobsOf(d).length > 0);
    if (overlapExcuses(view, occurrence, previous === undefined ? undefined : jobsOf(previous)[0])) {
      figures.skippedForOverlap++;
      continue;
    }
    violations.push(violation("schedule-occurrence-skipped", `schedule occurrence skipped: ${what} was never submitted, and no active job of the previous occurrence excuses it`));
  }
  return { violations, figures };
}

/** Overlap `skip` excuses a missing occurrence when the schedule recorded it as skipped while the
 * previous occurrence's job was still active. */
function overlapExcuses(view: HistoryView, occurrence: DueOccurrence, previousJob: CommitOp | undefined): boolean {
  if (previousJob === undefined) return false;
  const ops = view.schedules.get(`${occurrence.productId}/${occurrence.name}`) ?? [];
  const skip = ops.find((op) => op.lastSkippedAt === occurrence.at && op.overlap === "skip");
  if (skip === undefined) return false;
  const state = view.stateBefore(previousJob.jobId, invocationOf(skip));
  return state !== undefined && !isTerminal(state.stage) && isBefore(invocationOf(previousJob), invocationOf(skip));
}
