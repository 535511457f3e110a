import { z } from "zod";
import { ArtifactPointer, Budget, Capability, Checkpoint, Id, Insights, RetryPolicy, ShortText } from "./common.js";
import { Instant } from "./instant.js";
import { DepsMode } from "./job.js";
import { LIMITS } from "./limits.js";
import { REPORTABLE_STAGES, Priority, Stage } from "./stage.js";

/** One job as submitted. `deps` name other jobs of the same product by idempotency key. */
export const JobSpec = z
  .object({
    idempotencyKey: Id.optional(),
    title: ShortText.optional(),
    bodyMd: z.string().min(1).max(LIMITS.bodyMdChars),
    persona: ShortText.default("engineer"),
    capabilities: z.array(Capability).max(LIMITS.capabilities).default([]),
    priority: Priority.default("medium"),
    budget: Budget.optional(),
    retry: RetryPolicy.optional(),
    deps: z.array(Id).max(LIMITS.deps).default([]),
    depsMode: DepsMode.default("hard"),
    /** Not assigned before this instant (epoch ms or ISO 8601 with offset). */
    notBefore: Instant.optional(),
  })
  .strict();
export type JobSpec = z.infer<typeof JobSpec>;

export const SubmitJobBody = JobSpec.extend({
  kind: z.enum(["leaf", "composite"]).default("leaf"),
  children: z.array(JobSpec).max(LIMITS.children).optional(),
}).strict();
export type SubmitJobBody = z.infer<typeof SubmitJobBody>;

export const AddChildrenBody = z.object({ children: z.array(JobSpec).min(1).max(LIMITS.children) }).strict();
export type AddChildrenBody = z.infer<typeof AddChildrenBody>;

export const ListJobsQuery = z
  .object({
    stage: Stage.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    continuation: z.string().max(4096).optional(),
  })
  .strict();
export type ListJobsQuery = z.infer<typeof ListJobsQuery>;

export const JobIdParams = z.object({ id: Id }).strict();

export const PatchJobBody = z
  .object({
    stage: z.enum(REPORTABLE_STAGES),
    leaseEpoch: z.number().int().positive(),
    checkpoint: Checkpoint.optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();
export type PatchJobBody = z.infer<typeof PatchJobBody>;

export const OperatorAction = z.enum(["requeue", "reject", "cancel", "ship"]);
export type OperatorAction = z.infer<typeof OperatorAction>;
export const ActionParams = z.object({ id: Id, action: OperatorAction }).strict();
export const ActionBody = z.object({ reason: z.string().max(500).optional() }).strict();

export const LeaseEpochBody = z.object({ leaseEpoch: z.number().int().positive() }).strict();
export type LeaseEpochBody = z.infer<typeof LeaseEpochBody>;

/** How a factory ends an attempt. retryable is the default for a failure; `later` backs off and
 * requeues without consuming a retry; `drained` hands the job back on scale-in with its checkpoint. */
export const ReleaseOutcome = z.enum(["shipped", "retryable", "non_retryable", "later", "drained"]);
export type ReleaseOutcome = z.infer<typeof ReleaseOutcome>;

export const ReleaseLeaseBody = z
  .object({
    leaseEpoch: z.number().int().positive(),
    outcome: ReleaseOutcome,
    message: z.string().max(2000).optional(),
    checkpoint: Checkpoint.optional(),
    insights: Insights.optional(),
    artifacts: z.array(ArtifactPointer).max(50).optional(),
    laterSeconds: z.number().int().min(1).max(7 * 86_400).optional(),
  })
  .strict();
export type ReleaseLeaseBody = z.infer<typeof ReleaseLeaseBody>;

export const HeartbeatBody = z
  .object({
    load: z.number().int().nonnegative(),
    seats: z.number().int().min(1).max(64),
    health: z.enum(["ok", "degraded", "down"]).default("ok"),
    capabilities: z.array(Capability).max(32).optional(),
    version: z.string().max(64).optional(),
  })
  .strict();
export type HeartbeatBody = z.infer<typeof HeartbeatBody>;

export const ExplainQuery = z
  .object({
    /** Per-request weight overrides, e.g. `?age=2&priority=5` (merged per field over the product's). */
    age: z.coerce.number().optional(),
    priority: z.coerce.number().optional(),
    retries: z.coerce.number().optional(),
    capabilities: z.coerce.number().optional(),
  })
  .strict();

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const DeadLetterFilter = z
  .object({
    pool: Id.optional(),
    reason: z.string().max(200).optional(),
    source: z.enum(["broker", "retries", "operator"]).optional(),
    /** Only for fleet-wide operator keys; a product key always sees its own product. */
    productId: Id.optional(),
    includeDiscarded: z.coerce.boolean().default(false),
  })
  .strict();
export type DeadLetterFilter = z.infer<typeof DeadLetterFilter>;

export const ListDeadLettersQuery = DeadLetterFilter.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  continuation: z.string().max(4096).optional(),
}).strict();
export type ListDeadLettersQuery = z.infer<typeof ListDeadLettersQuery>;

export const BulkReplayBody = z
  .object({
    filter: DeadLetterFilter.omit({ includeDiscarded: true }),
    /** List what would be replayed without changing anything. */
    dryRun: z.boolean().default(true),
    max: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type BulkReplayBody = z.infer<typeof BulkReplayBody>;
