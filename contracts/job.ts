import { z } from "zod";
import { Budget, Capability, Checkpoint, EpochMs, Id, RetryPolicy, ShortText } from "./common.js";
import { JobEvent } from "./event.js";
import { LIMITS } from "./limits.js";
import { BaseBranch, RepoRef } from "./repo-target.js";
import { JobReview, ReviewPolicyPatch } from "./review.js";
import { Run } from "./run.js";
import { Priority, Stage } from "./stage.js";

export const DepsMode = z.enum(["hard", "soft"]);
export type DepsMode = z.infer<typeof DepsMode>;

export const JobKind = z.enum(["leaf", "composite"]);

/** The lease a job holds while assigned or running. `epoch` on the job fences every write. */
export const Lease = z
  .object({
    pool: Id,
    /** Set when a factory accepts; a second accept of the same epoch by another factory fails. */
    factoryId: Id.optional(),
    assignedAt: EpochMs,
    /** The assignment must be accepted before this instant or the reaper requeues it. */
    acceptBy: EpochMs,
    acceptedAt: EpochMs.optional(),
    /** Once accepted, the lease lives until this instant unless renewed. */
    expiresAt: EpochMs.optional(),
    renewals: z.number().int().nonnegative(),
  })
  .strict();
export type Lease = z.infer<typeof Lease>;

/** The outbox marker written together with an assignment: the dispatcher relays it to the broker. */
export const OutboxMarker = z
  .object({ epoch: z.number().int().positive(), pool: Id, at: EpochMs })
  .strict();
export type OutboxMarker = z.infer<typeof OutboxMarker>;

export const DeadLetterInfo = z
  .object({
    source: z.enum(["broker", "retries", "operator"]),
    reason: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    pool: Id.optional(),
    epoch: z.number().int().nonnegative(),
    at: EpochMs,
    /** Set when an operator discards the dead letter: it leaves the operator view but keeps its record. */
    discardedAt: EpochMs.optional(),
  })
  .strict();
export type DeadLetterInfo = z.infer<typeof DeadLetterInfo>;

/** Cost the job's runs accrued, in integer micro-USD so sums are exact in any order. Written in
 * the same conditional write that ends the run, so a run is counted exactly once: a retried
 * release is a no-op, and a restart rebuilds the products' spend from these fields. */
export const JobSpend = z
  .object({
    microUsd: z.number().int().nonnegative(),
    /** Per UTC day (`YYYY-MM-DD`) the runs ended on: budget windows and burndowns are built from days. */
    byDay: z.record(z.string(), z.number().int().nonnegative()),
  })
  .strict();
export type JobSpend = z.infer<typeof JobSpend>;

/** A running job chosen to make room for a critical one: told at its next lease renewal to
 * checkpoint and release. */
export const PreemptionRequest = z
  .object({ by: Id, pool: Id, at: EpochMs })
  .strict();
export type PreemptionRequest = z.infer<typeof PreemptionRequest>;

/** The job document (container `jobs`, partition key `/id`). The job embeds its lease, its
 * outbox marker, its runs and its recent events, so every transition is ONE conditional write. */
export const JobDoc = z
  .object({
    id: Id,
    productId: Id,
    idempotencyKey: Id,
    /** sha256 of the canonical submitted content; decides "same content" for idempotent submit. */
    contentHash: z.string().length(64),
    revision: z.number().int().positive(),
    kind: JobKind,
    title: ShortText.optional(),
    bodyMd: z.string().max(LIMITS.bodyMdChars),
    persona: ShortText,
    capabilities: z.array(Capability).max(LIMITS.capabilities),
    priority: Priority,
    budget: Budget.optional(),
    retry: RetryPolicy,
    /** Where the work happens, as submitted (the factory's engine decides what to do with it). */
    repo: RepoRef.optional(),
    baseBranch: BaseBranch.optional(),
    /** The job's own review policy (submitted as `review`, or raised by a review request). */
    reviewPolicy: ReviewPolicyPatch.optional(),
    /** The latest review round (docs/adr/0008-the-review-gate.md). */
    review: JobReview.optional(),
    /** Job ids this job waits for. */
    deps: z.array(Id).max(LIMITS.deps),
    depsMode: DepsMode,
    parentId: Id.optional(),
    children: z.array(Id).max(LIMITS.children).optional(),
    stage: Stage,
    stageReason: z.string().max(500).optional(),
    leaseEpoch: z.number().int().nonnegative(),
    lease: Lease.optional(),
    outbox: OutboxMarker.optional(),
    /** Accepted attempts so far (a run per attempt). */
    attempts: z.number().int().nonnegative(),
    /** Retries consumed by failures the worker reported; compared with retry.max. */
    retries: z.number().int().nonnegative(),
    /** Consecutive attempts that lost their lease (the worker died or stalled without a word). Not a
     * retry: see coordinator/lifecycle/lose-lease.ts. Absent when zero. */
    leaseLosses: z.number().int().positive().optional(),
    /** Not schedulable before this instant (retry backoff, "later"). */
    notBefore: EpochMs.optional(),
    /** When the job last entered `queued` (anti-starvation aging starts here). */
    queuedAt: EpochMs,
    checkpoint: Checkpoint.optional(),
    spend: JobSpend.optional(),
    preemption: PreemptionRequest.optional(),
    /** Times this job was preempted; past the topology's limit it is never chosen again. */
    preemptions: z.number().int().nonnegative().optional(),
    deadLetter: DeadLetterInfo.optional(),
    runs: z.array(Run),
    events: z.array(JobEvent),
    /** Sequence number of the next event (events may be archived in pages). */
    nextEventSeq: z.number().int().nonnegative(),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  })
  .strict();
export type JobDoc = z.infer<typeof JobDoc>;
