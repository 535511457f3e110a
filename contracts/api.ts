import { z } from "zod";
import { Budget, Capability, Checkpoint, CommitId, GitBranchName, Id, Insights, PullRequestUrl, ReportedArtifact, RetryPolicy, ShortText } from "./common.js";
import { Instant } from "./instant.js";
import { DepsMode } from "./job.js";
import { LIMITS } from "./limits.js";
import { QueryBoolean, queryInteger, queryList, queryNumber, QueryTime } from "./query-values.js";
import { REPORTABLE_STAGES, Priority, Stage } from "./stage.js";
import { BaseBranch, RepoRef } from "./repo-target.js";
import { ReviewPolicyPatch } from "./review.js";

export const DEPS_DESCRIPTION =
  "Idempotency keys (not job ids) of jobs of the same product that this job waits for; each must exist already or be submitted in the same request. " +
  "Responses show job ids ('j-...'): a dependency is named by the key it was submitted with.";

/** One job as submitted. `deps` name other jobs of the same product by idempotency key. */
export const JobSpec = z
  .object({
    idempotencyKey: Id.optional().meta({ description: "Names the job within its product; resubmitting the same key is idempotent. Generated when omitted." }),
    title: ShortText.optional(),
    bodyMd: z.string().min(1).max(LIMITS.bodyMdChars).meta({ description: "What to do, in markdown." }),
    persona: ShortText.default("engineer"),
    capabilities: z.array(Capability).max(LIMITS.capabilities).default([]).meta({ description: "What the job needs of a pool; the coordinator routes it to a pool offering all of them." }),
    priority: Priority.default("medium"),
    budget: Budget.optional(),
    retry: RetryPolicy.optional(),
    repo: RepoRef.optional(),
    baseBranch: BaseBranch.optional(),
    review: ReviewPolicyPatch.optional(),
    deps: z.array(Id).max(LIMITS.deps).default([]).meta({ description: DEPS_DESCRIPTION, example: ["build-api"] }),
    depsMode: DepsMode.default("hard").meta({ description: "hard: wait until every dependency shipped; soft: until each reached testing." }),
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

export const JOB_SORTS = ["createdAt", "-createdAt", "updatedAt", "-updatedAt", "priority", "-priority"] as const;
export const JobSort = z.enum(JOB_SORTS);
export type JobSort = z.infer<typeof JobSort>;

export const ListJobsQuery = z
  .object({
    view: z.enum(["summary", "full"]).default("summary").meta({ description: "summary (default): the fields of a list row; full: whole job documents" }),
    stage: queryList(Stage, 10).optional().meta({ description: "one or more stages, comma-separated", example: "queued,blocked" }),
    pool: Id.optional().meta({ description: "jobs the pool holds now (assigned or running) or has run" }),
    priority: queryList(Priority, 4).optional().meta({ description: "one or more priorities, comma-separated", example: "high,critical" }),
    capability: queryList(Capability, LIMITS.capabilities).optional().meta({ description: "jobs needing every capability listed, comma-separated", example: "lang:ts" }),
    keyPrefix: z.string().min(1).max(LIMITS.idChars).optional().meta({ description: "idempotency keys starting with this text" }),
    q: z.string().min(1).max(LIMITS.shortTextChars).optional().meta({ description: "title contains this text (case-insensitive)" }),
    submittedAfter: QueryTime.optional(),
    submittedBefore: QueryTime.optional(),
    sort: JobSort.default("-createdAt").meta({ description: "createdAt, updatedAt or priority; '-' for descending (priority: critical first)" }),
    limit: queryInteger(1, 500).default(50),
    continuation: z.string().max(4096).optional().meta({ description: "the opaque token of the previous page; only valid with the same filters and sort" }),
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
/** The body of a call whose body is optional: none, an empty one and `{}` all mean "no reason given". */
export const OptionalActionBody = ActionBody.nullish().transform((body) => body ?? {});

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
    artifacts: z.array(ReportedArtifact).max(50).optional(),
    laterSeconds: z.number().int().min(1).max(7 * 86_400).optional(),
    branch: GitBranchName.optional(),
    commit: CommitId.optional(),
    prUrl: PullRequestUrl.optional(),
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
    age: queryNumber().optional(),
    priority: queryNumber().optional(),
    retries: queryNumber().optional(),
    capabilities: queryNumber().optional(),
  })
  .strict();

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "one of the codes of contracts/errors.ts, e.g. VALIDATION, NOT_FOUND, ILLEGAL_TRANSITION" }),
      message: z.string().meta({ description: "the problem in the product's words, ending with what to do next when a hint applies" }),
      hint: z.string().optional().meta({ description: "what to do next, alone" }),
      details: z.unknown().optional().meta({ description: "machine-readable facts, e.g. { fields: [{ field, message }] } for VALIDATION" }),
    }),
  })
  .meta({
    id: "ErrorBody",
    example: { error: { code: "NOT_FOUND", message: "job j-0123 not found (check the id; jobs of other products are invisible)", hint: "check the id; jobs of other products are invisible" } },
  });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const DeadLetterFilter = z
  .object({
    pool: Id.optional(),
    reason: z.string().max(200).optional(),
    source: z.enum(["broker", "retries", "operator"]).optional(),
    /** Only for fleet-wide operator keys; a product key always sees its own product. */
    productId: Id.optional(),
    includeDiscarded: z.boolean().default(false),
  })
  .strict();
export type DeadLetterFilter = z.infer<typeof DeadLetterFilter>;

export const ListDeadLettersQuery = DeadLetterFilter.extend({
  includeDiscarded: QueryBoolean.default(false).meta({ description: "true or 1: also list discarded dead letters; false or 0 (default): hide them" }),
  limit: queryInteger(1, 500).default(100),
  continuation: z.string().max(4096).optional().meta({ description: "the opaque token of the previous page; only valid with the same filters" }),
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

export const BulkDiscardBody = BulkReplayBody.extend({ reason: z.string().max(500).optional() }).strict();
export type BulkDiscardBody = z.infer<typeof BulkDiscardBody>;
