import { type Checkpoint, type Clock, type HeartbeatBody, type JobDoc, type ReleaseLeaseBody, type Timers, callRetryBackoffMs } from "../contracts/index.js";
import type { HeartbeatAnswer, ReleaseAnswer, RenewAnswer } from "./coordinator-answers.js";
import type { CallResult, CallValues, CoordinatorCall, CoordinatorPort, CoordinatorTransport, ReportedStage } from "./coordinator-port.js";

export interface CoordinatorClientOptions {
  transport: CoordinatorTransport;
  clock: Clock;
  timers: Timers;
  /** The jitter of the retry backoff. */
  random: () => number;
  /** How long a call keeps retrying tries that got no answer before it gives up (default 120 s). */
  retryForMs?: number;
  onRetry?: (op: CoordinatorCall["op"], attempt: number, reason: string) => void;
}

const BACKOFF = { baseMs: 100, maxMs: 5000 };
const HEARTBEAT_RETRY_MS = 5000;

/**
 * The agent's coordinator client: the coordinator port over any transport, with the retry policy.
 * A try without an answer (connection refused, timeout, 5xx, 429) is retried with jittered
 * exponential backoff until `retryForMs` has passed on the agent's clock, then the call returns
 * `UNREACHABLE`; an answer (success or a 4xx error) is returned as is. Retrying is safe because
 * every call is idempotent on the coordinator.
 */
export class CoordinatorClient implements CoordinatorPort {
  constructor(private readonly options: CoordinatorClientOptions) {}

  accept(jobId: string, epoch: number, retryForMs?: number): Promise<CallResult<JobDoc>> {
    return this.call({ op: "accept", jobId, epoch }, retryForMs);
  }

  renew(jobId: string, epoch: number): Promise<CallResult<RenewAnswer>> {
    return this.call({ op: "renew", jobId, epoch });
  }

  report(jobId: string, epoch: number, stage: ReportedStage, checkpoint?: Checkpoint): Promise<CallResult<JobDoc>> {
    return this.call({ op: "report", jobId, epoch, stage, ...(checkpoint === undefined ? {} : { checkpoint }) });
  }

  release(jobId: string, body: ReleaseLeaseBody): Promise<CallResult<ReleaseAnswer>> {
    return this.call({ op: "release", jobId, body });
  }

  heartbeat(body: HeartbeatBody): Promise<CallResult<HeartbeatAnswer>> {
    return this.call({ op: "heartbeat", body }, HEARTBEAT_RETRY_MS);
  }

  private async call<C extends CoordinatorCall>(call: C, retryForMs = this.options.retryForMs ?? 120_000): Promise<CallResult<CallValues[C["op"]]>> {
    const { clock, timers, transport } = this.options;
    const deadline = clock.now() + retryForMs;
    for (let attempt = 1; ; attempt++) {
      const outcome = await transport.send(call);
      if (outcome.answered) return outcome.result;
      if (clock.now() >= deadline) return { ok: false, status: 0, code: "UNREACHABLE", message: `coordinator unreachable: ${outcome.reason}` };
      this.options.onRetry?.(call.op, attempt, outcome.reason);
      await timers.sleep(callRetryBackoffMs({ attempt, ...BACKOFF }, this.options.random));
    }
  }
}
