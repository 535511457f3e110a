import type { Checkpoint, HeartbeatBody, JobDoc, ReleaseLeaseBody } from "../contracts/index.js";
import type { HeartbeatAnswer, ReleaseAnswer, RenewAnswer } from "./coordinator-answers.js";

/** The coordinator's answer to one call: the value, or its error code (`UNREACHABLE` when every
 * retry failed without an answer). */
export type CallResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

/**
 * What the agent needs from the coordinator: the fenced lease calls and the heartbeat. Every call
 * carries the epoch it acts for; the coordinator answers 409 STALE_EPOCH (or 404) to anything but
 * the current lease holder, and the agent MUST stop working on the job when it sees that. Every
 * call is idempotent on the coordinator (a repeated accept, report or release of the same epoch is
 * a no-op), so an implementation may retry a call whose outcome it does not know.
 */
export interface CoordinatorPort {
  /** `retryForMs`: how long to keep retrying without an answer (up to the accept deadline). */
  accept(jobId: string, epoch: number, retryForMs?: number): Promise<CallResult<JobDoc>>;
  renew(jobId: string, epoch: number): Promise<CallResult<RenewAnswer>>;
  report(jobId: string, epoch: number, stage: ReportedStage, checkpoint?: Checkpoint): Promise<CallResult<JobDoc>>;
  release(jobId: string, body: ReleaseLeaseBody): Promise<CallResult<ReleaseAnswer>>;
  heartbeat(body: HeartbeatBody): Promise<CallResult<HeartbeatAnswer>>;
}

export type ReportedStage = "building" | "review" | "testing";

/** One call to the coordinator, as a transport carries it. */
export type CoordinatorCall =
  | { op: "accept"; jobId: string; epoch: number }
  | { op: "renew"; jobId: string; epoch: number }
  | { op: "report"; jobId: string; epoch: number; stage: ReportedStage; checkpoint?: Checkpoint }
  | { op: "release"; jobId: string; body: ReleaseLeaseBody }
  | { op: "heartbeat"; body: HeartbeatBody };

/** What each call answers with when it succeeds. */
export interface CallValues {
  accept: JobDoc;
  renew: RenewAnswer;
  report: JobDoc;
  release: ReleaseAnswer;
  heartbeat: HeartbeatAnswer;
}

/** One try of one call: the coordinator answered (success or an error it means), or the try failed
 * without an answer (refused, timed out, 5xx, 429) and may be retried. */
export type TransportOutcome<T> = { answered: true; result: CallResult<T> } | { answered: false; reason: string };

/**
 * Carries one try of one call to the coordinator: HTTP in production
 * (`http-coordinator-transport.ts`), method calls on the coordinator in the simulator. Never
 * throws: every failure is an outcome. The retry policy lives above it, in `coordinator-client.ts`.
 */
export interface CoordinatorTransport {
  send<C extends CoordinatorCall>(call: C): Promise<TransportOutcome<CallValues[C["op"]]>>;
}
