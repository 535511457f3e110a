import type { JobDoc, JobSpec } from "../../contracts/index.js";
import { withEvent } from "../lifecycle/job-events.js";
import { assertTransition } from "../lifecycle/transitions.js";

/** Replaces the content of a job that has not started (queued or blocked) with a resubmission
 * under the same idempotency key. Same id, revision + 1; nothing has run, so the epoch stays. */
export function supersedeJob(
  job: JobDoc,
  spec: JobSpec,
  facts: { contentHash: string; depIds: readonly string[]; ready: boolean; now: number },
): JobDoc {
  const stage = facts.ready ? "queued" : "blocked";
  if (stage !== job.stage) assertTransition(job.stage, stage, "coordinator");
  const next: JobDoc = {
    ...job,
    contentHash: facts.contentHash,
    revision: job.revision + 1,
    bodyMd: spec.bodyMd,
    persona: spec.persona,
    capabilities: [...new Set(spec.capabilities)].sort(),
    priority: spec.priority,
    retry: spec.retry ?? job.retry,
    deps: [...facts.depIds],
    depsMode: spec.depsMode,
    stage,
    queuedAt: stage === "queued" && job.stage !== "queued" ? facts.now : job.queuedAt,
    updatedAt: facts.now,
  };
  if (spec.title === undefined) delete next.title;
  else next.title = spec.title;
  if (spec.budget === undefined) delete next.budget;
  else next.budget = spec.budget;
  if (spec.notBefore !== undefined && spec.notBefore > facts.now) {
    next.notBefore = spec.notBefore;
    if (stage === "queued") next.queuedAt = spec.notBefore;
  } else delete next.notBefore;
  if (spec.repo === undefined) delete next.repo;
  else next.repo = spec.repo;
  if (spec.baseBranch === undefined) delete next.baseBranch;
  else next.baseBranch = spec.baseBranch;
  if (spec.review === undefined) delete next.reviewPolicy;
  else next.reviewPolicy = spec.review;
  if (facts.ready) delete next.stageReason;
  else next.stageReason = "waiting for dependencies";
  return withEvent(next, "superseded", "coordinator", facts.now, { revision: next.revision });
}

/** A blocked job whose dependencies are all satisfied becomes schedulable. */
export function unblockJob(job: JobDoc, now: number): JobDoc {
  if (job.stage !== "blocked") return job;
  assertTransition("blocked", "queued", "coordinator");
  // A job that may not run yet (notBefore) starts aging when it may.
  const next: JobDoc = { ...job, stage: "queued", queuedAt: Math.max(now, job.notBefore ?? 0), updatedAt: now };
  delete next.stageReason;
  return withEvent(next, "unblocked", "coordinator", now);
}
