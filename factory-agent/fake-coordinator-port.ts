import type { Checkpoint, HeartbeatBody, JobDoc, ReleaseLeaseBody } from "../contracts/index.js";
import type { HeartbeatAnswer, ReleaseAnswer, RenewAnswer } from "./coordinator-answers.js";
import type { CallResult, CoordinatorCall, CoordinatorPort, ReportedStage } from "./coordinator-port.js";

/** An error answer, as the coordinator gives it. */
export interface FakeRefusal {
  ok: false;
  status: number;
  code: string;
  message: string;
}

export const STALE_EPOCH: FakeRefusal = { ok: false, status: 409, code: "STALE_EPOCH", message: "the job was reassigned" };

/**
 * A coordinator port for unit tests of the agent: it records every call with the time it was made
 * and answers like a coordinator that keeps the lease, unless `refuse` says otherwise for a call.
 */
export class FakeCoordinatorPort implements CoordinatorPort {
  readonly calls: (CoordinatorCall & { at: number })[] = [];
  /** Return a refusal to answer a call with it instead. */
  refuse: (call: CoordinatorCall) => FakeRefusal | undefined = () => undefined;
  /** Directives to answer a renewal with (`stop`, `drain`), as the coordinator adds them. */
  renewDirectives: (call: Extract<CoordinatorCall, { op: "renew" }>) => Pick<RenewAnswer, "stop" | "drain"> = () => ({});

  constructor(
    private readonly job: JobDoc,
    private readonly now: () => number,
  ) {}

  of<O extends CoordinatorCall["op"]>(op: O): (Extract<CoordinatorCall, { op: O }> & { at: number })[] {
    return this.calls.filter((call): call is Extract<CoordinatorCall, { op: O }> & { at: number } => call.op === op);
  }

  async accept(jobId: string, epoch: number): Promise<CallResult<JobDoc>> {
    return this.answer({ op: "accept", jobId, epoch }, () => this.job);
  }

  async renew(jobId: string, epoch: number): Promise<CallResult<RenewAnswer>> {
    const call = { op: "renew" as const, jobId, epoch };
    return this.answer(call, () => ({ jobId, leaseEpoch: epoch, expiresAt: this.now() + 30_000, ...this.renewDirectives(call) }));
  }

  async report(jobId: string, epoch: number, stage: ReportedStage, checkpoint?: Checkpoint): Promise<CallResult<JobDoc>> {
    return this.answer({ op: "report", jobId, epoch, stage, ...(checkpoint === undefined ? {} : { checkpoint }) }, () => ({ ...this.job, stage }));
  }

  async release(jobId: string, body: ReleaseLeaseBody): Promise<CallResult<ReleaseAnswer>> {
    return this.answer({ op: "release", jobId, body }, () => ({ jobId, stage: body.outcome === "shipped" ? "shipped" : "queued", leaseEpoch: body.leaseEpoch, retries: 0 }));
  }

  async heartbeat(body: HeartbeatBody): Promise<CallResult<HeartbeatAnswer>> {
    return this.answer({ op: "heartbeat", body }, () => ({ ok: true, at: this.now() }));
  }

  private answer<T>(call: CoordinatorCall, value: () => T): CallResult<T> {
    this.calls.push({ ...call, at: this.now() });
    return this.refuse(call) ?? { ok: true, value: value() };
  }
}
