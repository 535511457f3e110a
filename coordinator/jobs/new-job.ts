import { RetryPolicy, type JobDoc, type JobSpec } from "../../contracts/index.js";
import { withEvent } from "../lifecycle/job-events.js";

export interface NewJobFacts {
  id: string;
  productId: string;
  idempotencyKey: string;
  contentHash: string;
  kind: "leaf" | "composite";
  depIds: readonly string[];
  parentId?: string;
  children?: readonly string[];
  /** Whether every dependency is already satisfied. */
  ready: boolean;
  now: number;
}

/** Builds the document of a newly submitted job, `queued` or `blocked` on its dependencies. */
export function newJobDoc(spec: JobSpec, facts: NewJobFacts): JobDoc {
  const job: JobDoc = {
    id: facts.id,
    productId: facts.productId,
    idempotencyKey: facts.idempotencyKey,
    contentHash: facts.contentHash,
    revision: 1,
    kind: facts.kind,
    bodyMd: spec.bodyMd,
    persona: spec.persona,
    capabilities: [...new Set(spec.capabilities)].sort(),
    priority: spec.priority,
    retry: spec.retry ?? RetryPolicy.parse({}),
    deps: [...facts.depIds],
    depsMode: spec.depsMode,
    stage: facts.ready ? "queued" : "blocked",
    leaseEpoch: 0,
    attempts: 0,
    retries: 0,
    // Aging starts when the job may first run.
    queuedAt: Math.max(facts.now, spec.notBefore ?? 0),
    runs: [],
    events: [],
    nextEventSeq: 0,
    createdAt: facts.now,
    updatedAt: facts.now,
  };
  if (spec.title !== undefined) job.title = spec.title;
  if (spec.budget !== undefined) job.budget = spec.budget;
  if (spec.notBefore !== undefined && spec.notBefore > facts.now) job.notBefore = spec.notBefore;
  if (spec.repo !== undefined) job.repo = spec.repo;
  if (spec.baseBranch !== undefined) job.baseBranch = spec.baseBranch;
  if (spec.review !== undefined) job.reviewPolicy = spec.review;
  if (facts.parentId !== undefined) job.parentId = facts.parentId;
  if (facts.children !== undefined) job.children = [...facts.children];
  if (!facts.ready) job.stageReason = "waiting for dependencies";
  return withEvent(job, "submitted", "coordinator", facts.now, { stage: job.stage, revision: 1 });
}
