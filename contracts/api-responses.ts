import { z } from "zod";
import { ErrorBody } from "./api.js";
import { Id } from "./common.js";
import { EventActor } from "./event.js";
import { IsoTime } from "./iso-time.js";
import { JobDoc } from "./job.js";
import { JobSummary, JobTotals } from "./job-summary.js";
import { Run } from "./run.js";
import { Stage } from "./stage.js";

/**
 * What each route answers, for the OpenAPI document (/docs) and for the API suite, which checks
 * real responses against these. Job documents keep epoch milliseconds (they are the stored
 * document), as do the levers' views (lever-responses.ts); every other time is ISO 8601.
 */

const EXAMPLE_JOB_ID = "j-4b1c0a9e1f2d3c4b5a69788776655443";

const EXAMPLE_RUN = {
  productId: "acme",
  jobId: EXAMPLE_JOB_ID,
  attempt: 1,
  epoch: 1,
  pool: "general",
  factoryId: "general-7f3a",
  startedAt: 1769851800120,
  result: "running",
};

const EXAMPLE_JOB = {
  id: EXAMPLE_JOB_ID,
  productId: "acme",
  idempotencyKey: "build-api",
  contentHash: "5f1d7c0e9b8a7f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e",
  revision: 1,
  kind: "leaf",
  title: "Build the API",
  bodyMd: "# Build the API\nAdd the /orders routes.",
  persona: "engineer",
  capabilities: ["lang:ts"],
  priority: "high",
  retry: { max: 3, backoffSeconds: 30, backoffMaxSeconds: 3600 },
  deps: [],
  depsMode: "hard",
  stage: "building",
  leaseEpoch: 1,
  lease: { pool: "general", factoryId: "general-7f3a", assignedAt: 1769851800020, acceptBy: 1769851860020, acceptedAt: 1769851800120, expiresAt: 1769851920120, renewals: 0 },
  attempts: 1,
  retries: 0,
  queuedAt: 1769851800000,
  runs: [EXAMPLE_RUN],
  events: [
    { seq: 0, type: "submitted", at: 1769851800000, actor: "coordinator", epoch: 0, data: { stage: "queued", revision: 1 } },
    { seq: 1, type: "assigned", at: 1769851800020, actor: "coordinator", epoch: 1, data: { pool: "general" } },
    { seq: 2, type: "accepted", at: 1769851800120, actor: "factory", epoch: 1 },
  ],
  nextEventSeq: 3,
  createdAt: 1769851800000,
  updatedAt: 1769851800120,
};

export const JobDocument = JobDoc.meta({ id: "JobDoc", description: "The whole job document as stored; times are epoch milliseconds", example: EXAMPLE_JOB });

export const JobRef = z.object({ id: Id, idempotencyKey: Id, stage: Stage });

export const SubmitResponse = z
  .object({
    outcome: z.enum(["created", "existing", "superseded"]).meta({ description: "201 created; 200 existing (same key, same content) or superseded (same key, new content, not started)" }),
    job: JobDocument,
    children: z.array(JobRef),
  })
  .meta({ id: "SubmitResponse", example: { outcome: "created", job: { ...EXAMPLE_JOB, stage: "queued", leaseEpoch: 0, attempts: 0, runs: [] }, children: [] } });

export const AddChildrenResponse = z
  .object({ job: JobDocument, children: z.array(JobRef) })
  .meta({
    id: "AddChildrenResponse",
    example: { job: { ...EXAMPLE_JOB, kind: "composite", stage: "blocked", leaseEpoch: 0, attempts: 0, runs: [], lease: undefined }, children: [{ id: "j-00112233445566778899aabbccddeeff", idempotencyKey: "build-api", stage: "queued" }] },
  });

export const JobListResponse = z
  .object({
    items: z.array(z.union([JobSummary, JobDocument])).meta({ description: "summaries (view=summary, the default) or whole documents (view=full)" }),
    continuation: z.string().optional().meta({ description: "present when more items may follow: pass it back, with the same filters, for the next page" }),
    totals: JobTotals,
  })
  .meta({
    id: "JobListResponse",
    example: {
      items: [
        {
          id: EXAMPLE_JOB_ID,
          idempotencyKey: "build-api",
          title: "Build the API",
          stage: "building",
          priority: "high",
          productId: "acme",
          pool: "general",
          leaseEpoch: 1,
          attempts: 1,
          retries: 0,
          capabilities: ["lang:ts"],
          createdAt: "2026-01-31T09:30:00.000Z",
          updatedAt: "2026-01-31T09:30:04.120Z",
          queuedAt: "2026-01-31T09:30:00.000Z",
          costUsd: 0,
        },
      ],
      continuation: "eyJ2IjoxLCJzIjp7ImIiOjB9LCJjIjoiLi4uIn0",
      totals: { active: { queued: 12, building: 1 }, terminal: { shipped: 240, failed: 2, cancelled: 1, dead_letter: 3 } },
    },
  });

export const ApiEvent = z.object({
  seq: z.number().int().nonnegative(),
  type: z.string(),
  at: IsoTime,
  actor: EventActor,
  epoch: z.number().int().nonnegative(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type ApiEvent = z.infer<typeof ApiEvent>;

export const EventsResponse = z
  .object({
    items: z.array(ApiEvent),
    lastSeq: z.number().int().meta({ description: "the highest seq so far (-1 before the first); poll again with ?after=lastSeq" }),
    stage: Stage,
    terminal: z.boolean().meta({ description: "the job finished: no further events until an operator requeues it" }),
  })
  .meta({
    id: "EventsResponse",
    example: {
      items: [{ seq: 1, type: "assigned", at: "2026-01-31T09:30:00.020Z", actor: "coordinator", epoch: 1, data: { pool: "general" } }],
      lastSeq: 1,
      stage: "assigned",
      terminal: false,
    },
  });

export const RunsResponse = z.object({ items: z.array(Run) }).meta({ id: "RunsResponse", example: { items: [EXAMPLE_RUN] } });

export const ExplainResponse = z
  .looseObject({ jobId: Id, stage: Stage, chosenPool: z.string().nullable(), pools: z.array(z.unknown()) })
  .meta({
    id: "ExplainResponse",
    description: "every term of the job's score against each pool, and each pool's eligibility",
    example: {
      jobId: EXAMPLE_JOB_ID,
      stage: "queued",
      chosenPool: "general",
      pools: [{ pool: "general", eligible: true, hasHeadroom: true, exclusions: [] }, { pool: "gpu", eligible: false, hasHeadroom: true, exclusions: [{ reason: "missing-capabilities", missing: ["gpu"] }] }],
    },
  });

export const DagResponse = z
  .object({
    root: Id,
    nodes: z.array(z.object({ id: Id, key: Id, stage: Stage, kind: z.string(), deps: z.array(Id), children: z.array(Id) })),
  })
  .meta({
    id: "DagResponse",
    example: {
      root: EXAMPLE_JOB_ID,
      nodes: [{ id: EXAMPLE_JOB_ID, key: "release", stage: "blocked", kind: "composite", deps: ["j-00112233445566778899aabbccddeeff"], children: ["j-00112233445566778899aabbccddeeff"] }],
    },
  });

export const PoolRow = z
  .looseObject({
    name: Id,
    capabilities: z.array(z.string()),
    workload: z.string(),
    trigger: z.string(),
    seats: z.number().int(),
    minReplicas: z.number().int(),
    maxReplicas: z.number().int(),
    capacityWindow: z.number().int(),
    inFlightLeases: z.number().int(),
    awaitingAccept: z.number().int(),
    readyJobs: z.number().int().meta({ description: "ready jobs in the coordinator that this pool would take (the best-fitting capable pool)" }),
    health: z.string(),
    paused: z.boolean(),
    assignedTotal: z.number().int(),
    acceptLatencyAvgMs: z.number().nullable(),
    desiredReplicas: z.number().int().nullable().optional(),
    actualReplicas: z.number().int().nullable().optional(),
    subscriptionActiveMessages: z.number().int().nullable().optional(),
    subscriptionDeadLetters: z.number().int().nullable().optional(),
  })
  .meta({ id: "PoolRow" });

export const PoolsResponse = z
  .object({ items: z.array(PoolRow) })
  .meta({
    id: "PoolsResponse",
    example: {
      items: [
        {
          name: "general",
          capabilities: ["os:linux", "lang:ts"],
          workload: "scaledJob",
          trigger: "external-push",
          seats: 1,
          minReplicas: 0,
          maxReplicas: 8,
          capacityWindow: 8,
          inFlightLeases: 3,
          awaitingAccept: 1,
          readyJobs: 0,
          health: "ok",
          paused: false,
          assignedTotal: 120,
          acceptLatencyAvgMs: 850,
          desiredReplicas: 3,
          actualReplicas: 3,
          subscriptionActiveMessages: 1,
          subscriptionDeadLetters: 0,
        },
      ],
    },
  });

export const DeadLetterSummarySchema = z
  .object({
    jobId: Id,
    productId: Id,
    idempotencyKey: Id,
    title: z.string().optional(),
    priority: z.string(),
    source: z.string(),
    reason: z.string(),
    description: z.string().optional(),
    pool: z.string().optional(),
    epoch: z.number().int(),
    at: IsoTime,
    retries: z.number().int(),
    discardedAt: IsoTime.optional(),
  })
  .meta({ id: "DeadLetterSummary" });

export const DeadLetterListResponse = z
  .object({ items: z.array(DeadLetterSummarySchema), continuation: z.string().optional() })
  .meta({
    id: "DeadLetterListResponse",
    example: {
      items: [
        {
          jobId: EXAMPLE_JOB_ID,
          productId: "acme",
          idempotencyKey: "build-api",
          priority: "medium",
          source: "retries",
          reason: "RetriesExhausted",
          pool: "general",
          epoch: 4,
          at: "2026-01-31T09:30:00.000Z",
          retries: 3,
        },
      ],
    },
  });

export const DeadLetterDetailResponse = DeadLetterSummarySchema.extend({ runs: z.array(Run), checkpoint: z.unknown() }).meta({
  id: "DeadLetterDetail",
  example: {
    jobId: EXAMPLE_JOB_ID,
    productId: "acme",
    idempotencyKey: "build-api",
    priority: "medium",
    source: "retries",
    reason: "RetriesExhausted",
    epoch: 4,
    at: "2026-01-31T09:30:00.000Z",
    retries: 3,
    runs: [{ ...EXAMPLE_RUN, result: "retryable", endedAt: 1769851900000, message: "tests failed" }],
    checkpoint: null,
  },
});

export const BulkReplayResponse = z
  .union([
    z.object({ dryRun: z.literal(true), matched: z.number().int(), items: z.array(DeadLetterSummarySchema) }),
    z.object({ dryRun: z.literal(false), matched: z.number().int(), replayed: z.array(Id), failed: z.array(z.object({ jobId: Id, error: z.string() })) }),
  ])
  .meta({ id: "BulkReplayResponse", example: { dryRun: true, matched: 1, items: [] } });

export const BulkDiscardResponse = z
  .union([
    z.object({ dryRun: z.literal(true), matched: z.number().int(), items: z.array(DeadLetterSummarySchema) }),
    z.object({ dryRun: z.literal(false), matched: z.number().int(), discarded: z.array(Id), failed: z.array(z.object({ jobId: Id, error: z.string() })) }),
  ])
  .meta({ id: "BulkDiscardResponse", example: { dryRun: false, matched: 1, discarded: [EXAMPLE_JOB_ID], failed: [] } });

/** What the coordinator asks of a factory in a renew or heartbeat answer. */
const StopDirective = z
  .object({ reason: z.enum(["preempted", "product-paused", "budget-ceiling"]), message: z.string(), preemptor: Id.optional() })
  .meta({ description: "checkpoint, release the lease with outcome 'drained' and the checkpoint, then drop the job" });
const DrainDirective = z
  .object({ reason: z.literal("pool-draining"), message: z.string() })
  .meta({ description: "finish the jobs held, take no new work, then exit" });
export const RenewResponse = z
  .object({
    jobId: Id,
    leaseEpoch: z.number().int(),
    expiresAt: z.number().int().optional().meta({ description: "epoch milliseconds" }),
    stop: StopDirective.optional(),
    drain: DrainDirective.optional(),
  })
  .meta({ id: "RenewResponse", example: { jobId: EXAMPLE_JOB_ID, leaseEpoch: 1, expiresAt: 1769851920120 } });
export const ReleaseResponse = z
  .object({ jobId: Id, stage: Stage, leaseEpoch: z.number().int(), retries: z.number().int() })
  .meta({ id: "ReleaseResponse", example: { jobId: EXAMPLE_JOB_ID, stage: "shipped", leaseEpoch: 1, retries: 0 } });
export const HeartbeatResponse = z
  .object({
    ok: z.boolean(),
    at: z.number().int().meta({ description: "epoch milliseconds" }),
    pool: Id.meta({ description: "the pool the factory's token belongs to" }),
    poolInTopology: z.boolean().meta({ description: "whether that pool exists in the coordinator's topology" }),
    drain: DrainDirective.optional(),
  })
  .meta({ id: "HeartbeatResponse", example: { ok: true, at: 1769851800000, pool: "general", poolInTopology: true } });
export const HealthResponse = z.object({ ok: z.boolean() }).meta({ id: "Health", example: { ok: true } });
export const ReadinessResponse = z
  .object({ ready: z.boolean(), checks: z.record(z.string(), z.string()) })
  .meta({ id: "Readiness", example: { ready: true, checks: { indexes: "rebuilt", store: "ok", broker: "ok" } } });
export const QueueStateResponse = z
  .looseObject({ ready: z.number().int(), backingOff: z.number().int(), leases: z.number().int(), byStage: z.record(z.string(), z.number().int()) })
  .meta({ id: "QueueState", example: { ready: 12, backingOff: 1, leases: 4, byStage: { queued: 13, building: 4 } } });
export const FleetMetricsResponse = z
  .looseObject({ productScope: z.string(), counters: z.record(z.string(), z.number()), store: z.unknown(), queue: z.unknown() })
  .meta({ id: "FleetMetrics", example: { productScope: "*", counters: { assignments: 120, shipped: 118 }, store: { ops: { read: 2, create: 120 } }, queue: { ready: 0 } } });

/** The error statuses a route can answer, each with the shared ErrorBody. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 503;

const ERROR_MEANING: Readonly<Record<ErrorStatus, string>> = {
  400: "VALIDATION (or DEPENDENCY_CYCLE, UNKNOWN_DEPENDENCY): the message names each bad field",
  401: "UNAUTHENTICATED: no token, or an unknown, expired or revoked one",
  403: "FORBIDDEN: the token's role, pool or product may not make this call",
  404: "NOT_FOUND: no such job in the token's product",
  409: "a conflict with the job's state: ILLEGAL_TRANSITION, STALE_EPOCH, LEASE_TAKEN or IDEMPOTENCY_CONFLICT",
  413: "PAYLOAD_TOO_LARGE: the body is over the limit the message states",
  429: "RATE_LIMITED: retry after the Retry-After header",
  503: "STORE_UNAVAILABLE: retry with backoff",
};

export function errorResponses(...statuses: ErrorStatus[]): Record<number, z.ZodType> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody.meta({ description: ERROR_MEANING[status] })]));
}

/** One error status with what it means on this route, where the general meaning (a job) does not
 * apply: `{ ...errorResponses(401, 403), ...errorResponse(404, "NOT_FOUND: no such schedule") }`. */
export function errorResponse(status: ErrorStatus, meaning: string): Record<number, z.ZodType> {
  return { [status]: ErrorBody.meta({ description: meaning }) };
}
