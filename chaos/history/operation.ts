import type { Stage } from "../../contracts/index.js";

/** How an operation ended: it took effect, it did not (the callee said no, or nothing was sent),
 * or the caller cannot know (a timeout, a cut connection: it may have taken effect). */
export type Outcome = "ok" | "fail" | "unknown";

/** What every recorded operation carries. `id` is its invocation's place in the history and
 * `completedSeq` its completion's, on one counter, so the two interleave with other operations. */
interface OperationBase {
  id: number;
  /** Who invoked it: "client", "relay", "monitor", "operator", "store", "chaos", or an agent id. */
  actor: string;
  /** The coordinator's clock at invocation and completion (virtual in the simulator). */
  invokedAt: number;
  completedAt?: number;
  completedSeq?: number;
  /** Undefined while pending: an operation whose caller died never completes. */
  outcome?: Outcome;
  /** The error code of a failed or unknown outcome (STALE_EPOCH, UNREACHABLE, ...). */
  code?: string;
}

/** A client submits a job (idempotency key); `jobId` is known once it is acknowledged. */
export interface SubmitOp extends OperationBase {
  kind: "submit";
  key: string;
  /** The client knows it submitted work that crashes every worker. */
  poison: boolean;
  jobId?: string;
  productId?: string;
  priority?: string;
  /** The job may not be assigned before this instant. */
  notBefore?: number;
}

/** A job write the store applied: the truth every invariant is judged against. `from` is the stage
 * before (undefined when the document was created). */
export interface CommitOp extends OperationBase {
  kind: "commit";
  jobId: string;
  key: string;
  epoch: number;
  stage: Stage;
  from?: Stage;
  /** Types and actor of the timeline events this write appended (empty for a renewal). */
  events: string[];
  eventActor?: string;
  /** The lease after the write. */
  factoryId?: string;
  expiresAt?: number;
  /** stageReason after the write (why it was requeued or finished). */
  reason?: string;
  attempts: number;
  retries: number;
  productId?: string;
  /** The pool of the lease after the write (the pool an assignment went to). */
  pool?: string;
  /** The ref of the job's checkpoint after the write: what its next attempt resumes from. */
  checkpoint?: string;
  /** The job's accrued spend after the write, micro-USD (JobDoc.spend). */
  spendMicro?: number;
  /** The job is not to be assigned before this instant (delayed submission, retry backoff). */
  notBefore?: number;
}

/** The relay hands one assignment message (`jobId:epoch`) to the broker. */
export interface PublishOp extends OperationBase {
  kind: "publish";
  jobId: string;
  epoch: number;
}

/** The broker hands an assignment message to an agent (a delivery; duplicates are expected). */
export interface DeliverOp extends OperationBase {
  kind: "deliver";
  jobId: string;
  epoch: number;
  deliveryCount: number;
}

/** A fenced call of an agent to the coordinator, one try of it. */
export interface FactoryOp extends OperationBase {
  kind: "accept" | "renew" | "report" | "release";
  jobId: string;
  epoch: number;
  /** The agent's call this try belongs to: a call the agent's client retries is several tries. */
  call?: number;
  /** report: the stage reported; release: the outcome released with. */
  detail?: string;
  /** release: the run's reported cost (insights.costUsd), micro-USD. */
  costMicro?: number;
  /** release: the ref of the checkpoint handed back with it. */
  checkpoint?: string;
}

/** The dead-letter monitor reconciles a broker dead letter into its job. */
export interface DeadLetterOp extends OperationBase {
  kind: "dead-letter";
  jobId: string;
  epoch: number;
  reason: string;
}

/** An operator replays a dead letter. */
export interface ReplayOp extends OperationBase {
  kind: "replay";
  jobId: string;
}

/** An operator lists the dead letters; `jobIds` is what the list showed. */
export interface DeadLetterListOp extends OperationBase {
  kind: "dlq-list";
  jobIds: string[];
}

/** What an agent said about itself in its log (live runs), e.g. that it was fenced. */
export interface ObservationOp extends OperationBase {
  kind: "observe";
  what: "fenced";
  jobId: string;
  epoch: number;
}

/** A product's or a pool's controls as the store applied them (containers `budgets`, `pools`):
 * whether it is paused (and how), and for a product its budget. */
export interface ControlOp extends OperationBase {
  kind: "control";
  scope: "product" | "pool";
  /** The product id or the pool name. */
  name: string;
  paused: boolean;
  /** product: the operator's pause mode; pool: "drain" when draining, else "finish". */
  mode?: string;
  /** product: the budget's ceiling, micro-USD (absent: none). */
  ceilingMicro?: number;
  window?: "daily" | "weekly" | "monthly" | "none";
  windowStart?: string;
}

/** A schedule document as the store applied it (container `schedules`), or its deletion. */
export interface ScheduleOp extends OperationBase {
  kind: "schedule";
  productId: string;
  name: string;
  deleted: boolean;
  cron: string;
  timeZone: string;
  overlap: "skip" | "allow";
  paused: boolean;
  createdAt: number;
  nextRunAt?: number;
  lastSkippedAt?: number;
  lastJobId?: string;
  skipped: number;
  submitted: number;
}

/** What the coordinator reported as a product's spend in its current window (the burndown an
 * operator reads), micro-USD per UTC day. */
export interface SpendReadingOp extends OperationBase {
  kind: "spend-reading";
  productId: string;
  windowStartsAt: number;
  windowEndsAt?: number;
  spentMicro: number;
  byDay: Record<string, number>;
}

/** An attempt's engine starts work, from the job as it was accepted: its checkpoint, if any. */
export interface EngineStartOp extends OperationBase {
  kind: "engine-start";
  jobId: string;
  epoch: number;
  checkpoint?: string;
}

/** An operator pulls one of the levers (pause, resume, budget, schedule). */
export interface LeverOp extends OperationBase {
  kind: "lever";
  lever: "pause-product" | "resume-product" | "put-budget" | "pause-pool" | "drain-pool" | "resume-pool" | "put-schedule" | "pause-schedule" | "resume-schedule" | "delete-schedule";
  /** The product, pool or schedule it acts on. */
  target: string;
  detail?: string;
}

export type FaultKind =
  | "agent-kill"
  | "agent-pause"
  | "agent-resume"
  | "agent-drain"
  | "poison-crash"
  | "coordinator-crash"
  | "coordinator-restart"
  | "broker-restart"
  | "heal"
  | "fix-deployed";

/** Something the run did to the system. `actor` is who suffered it (an agent id, "coordinator"). */
export interface FaultOp extends OperationBase {
  kind: "fault";
  fault: FaultKind;
  jobId?: string;
  epoch?: number;
}

export type Operation =
  | SubmitOp
  | CommitOp
  | PublishOp
  | DeliverOp
  | FactoryOp
  | DeadLetterOp
  | ReplayOp
  | DeadLetterListOp
  | ObservationOp
  | FaultOp
  | ControlOp
  | ScheduleOp
  | SpendReadingOp
  | EngineStartOp
  | LeverOp;
export type OperationKind = Operation["kind"];

/** Error codes with which the coordinator fences a caller out of a job. */
export const FENCING_CODES: ReadonlySet<string> = new Set(["STALE_EPOCH", "NOT_FOUND", "LEASE_TAKEN"]);
