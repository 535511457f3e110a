import type { Logger } from "pino";
import type { AssignmentMessage, Clock, JobDoc, ReleaseLeaseBody, Timers } from "../contracts/index.js";
import type { CoordinatorPort } from "./coordinator-port.js";
import type { Engine, EngineOutcome, EngineStage } from "./engines/port.js";
import { outcomeRecord } from "./release-fields.js";

export interface RunOptions {
  workDir: string;
  defaultWallMs: number;
  logger: Logger;
  /** The agent's clock and timers: renewals and the wall-clock budget run on them. */
  clock: Clock;
  timers: Timers;
}

export type AttemptEnd = "released" | "fenced" | "unreachable";

/**
 * One accepted attempt: runs the engine under the job's wall-clock budget, keeps the lease alive
 * (renewing at a third of its life), reports stage changes with the epoch (each at most once), and
 * releases the lease with the outcome. The lease MUST be released once the job has been
 * attempted, except when the coordinator fenced us out (then the job is someone else's). A renewal
 * answered with `stop` (the job is preempted, or its product paused with mode stop) ends the
 * attempt as a drain does: the engine is stopped, checkpoints, and the job is released `drained`.
 */
export class AttemptRunner {
  private readonly controller = new AbortController();
  private abortReason: "budget" | "drain" | "fenced" | undefined;
  /** The coordinator's `stop` directive (a preemption, a product paused with mode stop), if it gave one. */
  private stopDirective: { reason: string; message: string } | undefined;
  private lastReported: EngineStage;

  constructor(
    private readonly job: JobDoc,
    private readonly message: AssignmentMessage,
    private readonly client: CoordinatorPort,
    private readonly engine: Engine,
    private readonly options: RunOptions,
  ) {
    this.lastReported = "building";
  }

  get jobId(): string {
    return this.job.id;
  }

  /** Scale-in: stop the engine, checkpoint, and hand the job back. */
  drain(): void {
    this.abort("drain");
  }

  async run(): Promise<AttemptEnd> {
    const { job, message } = this;
    const log = this.options.logger;
    const epoch = message.epoch;
    const leaseMs = job.lease?.expiresAt !== undefined && job.lease.acceptedAt !== undefined ? job.lease.expiresAt - job.lease.acceptedAt : 60_000;
    const { clock, timers } = this.options;
    const renewer = timers.setInterval(() => void this.renew(epoch), Math.max(250, Math.floor(leaseMs / 3)));
    const wallMs = (job.budget?.wallSeconds ?? 0) * 1000 || this.options.defaultWallMs;
    const budget = timers.setTimeout(() => this.abort("budget"), wallMs);
    let outcome: EngineOutcome;
    try {
      outcome = await this.engine.run(job, {
        signal: this.controller.signal,
        abortReason: () => (this.abortReason === "fenced" ? "drain" : this.abortReason),
        workDir: this.options.workDir,
        wallBudgetMs: wallMs,
        reportStage: (stage) => this.report(epoch, stage),
        clock,
        timers,
      });
    } catch (error) {
      outcome = { kind: "retryable", message: `engine threw: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      timers.clearInterval(renewer);
      timers.clearTimeout(budget);
    }
    if (this.abortReason === "fenced") {
      log.warn("lease lost to a newer epoch; dropping the attempt without releasing");
      return "fenced";
    }
    const body = await this.releaseBody(epoch, outcome);
    const released = await this.client.release(job.id, body);
    if (released.ok) {
      // Per job, on the hot path: debug (pino writes each line synchronously).
      log.debug({ outcome: body.outcome, stage: released.value.stage }, "lease released");
      return "released";
    }
    if (released.code === "STALE_EPOCH" || released.code === "NOT_FOUND") {
      log.warn({ code: released.code }, "release rejected: the job was reassigned meanwhile");
      return "fenced";
    }
    log.error({ code: released.code, message: released.message }, "could not release the lease; the reaper will recover the job");
    return "unreachable";
  }

  private async releaseBody(epoch: number, outcome: EngineOutcome): Promise<ReleaseLeaseBody> {
    if (this.abortReason === "drain") {
      const checkpoint = await this.engine.checkpoint(this.job, { workDir: this.options.workDir }).catch(() => undefined);
      const message = this.stopDirective === undefined ? "drained on scale-in" : `stopped by the coordinator (${this.stopDirective.reason}): ${this.stopDirective.message}`;
      // What the interrupted run cost is spent all the same: it is accrued at this release too.
      const insights = outcome.kind === "later" ? undefined : outcome.insights;
      return {
        leaseEpoch: epoch,
        outcome: "drained",
        message,
        ...(checkpoint === undefined ? {} : { checkpoint }),
        ...(insights === undefined ? {} : { insights }),
        ...outcomeRecord(outcome),
      };
    }
    switch (outcome.kind) {
      case "later":
        return { leaseEpoch: epoch, outcome: "later", message: outcome.message, ...(outcome.afterSeconds === undefined ? {} : { laterSeconds: outcome.afterSeconds }) };
      case "shipped":
        return {
          leaseEpoch: epoch,
          outcome: "shipped",
          ...(outcome.message === undefined ? {} : { message: outcome.message }),
          ...(outcome.insights === undefined ? {} : { insights: outcome.insights }),
          ...outcomeRecord(outcome),
        };
      default:
        return {
          leaseEpoch: epoch,
          outcome: outcome.kind,
          message: outcome.message,
          ...(outcome.insights === undefined ? {} : { insights: outcome.insights }),
          ...outcomeRecord(outcome),
        };
    }
  }

  private async report(epoch: number, stage: EngineStage): Promise<void> {
    if (stage === this.lastReported || this.controller.signal.aborted) return;
    const result = await this.client.report(this.job.id, epoch, stage);
    if (result.ok) {
      this.lastReported = stage;
      this.options.logger.debug({ stage }, "stage reported");
    } else if (result.code === "STALE_EPOCH" || result.code === "NOT_FOUND") {
      this.abort("fenced");
    } else {
      this.options.logger.warn({ stage, code: result.code, message: result.message }, "stage report not accepted");
    }
  }

  private renewing = false;

  private async renew(epoch: number): Promise<void> {
    if (this.renewing || this.abortReason === "fenced") return;
    this.renewing = true;
    try {
      const result = await this.client.renew(this.job.id, epoch);
      if (!result.ok && (result.code === "STALE_EPOCH" || result.code === "NOT_FOUND")) this.abort("fenced");
      else if (result.ok && result.value.stop !== undefined && this.abortReason === undefined) {
        // Checkpoint and hand the job back, as on a drain: the coordinator requeues it with the checkpoint.
        this.stopDirective = result.value.stop;
        this.options.logger.info({ reason: result.value.stop.reason, message: result.value.stop.message }, "told to stop: checkpointing and releasing the job");
        this.abort("drain");
      }
    } finally {
      this.renewing = false;
    }
  }

  private abort(reason: "budget" | "drain" | "fenced"): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller.abort();
  }
}
