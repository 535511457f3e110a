import { z } from "zod";
import { Budget, Capability, Checkpoint, EpochMs, Id, RetryPolicy, ShortText } from "./common.js";
import { JobEvent } from "./event.js";
import { LIMITS } from "./limits.js";
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
