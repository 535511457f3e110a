import { LIMITS, type JobDoc, type Run } from "../../contracts/index.js";

/** Replaces the run of `epoch` with `update(run)`; the job keeps at most LIMITS.inlineRuns runs
 * (the timeline keeps an event for every run, so trimming loses no history). */
export function updateRun(job: JobDoc, epoch: number, update: (run: Run) => Run): JobDoc {
  const runs = job.runs.map((run) => (run.epoch === epoch ? update(run) : run));
  return { ...job, runs };
}

export function appendRun(job: JobDoc, run: Run): JobDoc {
  const runs = [...job.runs, run];
  return { ...job, runs: runs.length > LIMITS.inlineRuns ? runs.slice(runs.length - LIMITS.inlineRuns) : runs };
}

export function runOfEpoch(job: JobDoc, epoch: number): Run | undefined {
  return job.runs.find((run) => run.epoch === epoch);
}
