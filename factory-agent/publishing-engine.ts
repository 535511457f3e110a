import type { Logger } from "pino";
import { type ArtifactPointer, artifactIdOf, attemptLogKey, isoTime, type JobDoc } from "../contracts/index.js";
import type { ArtifactStorePort } from "../artifacts/port.js";
import { uploadArtifacts } from "./artifact-uploads.js";
import { AttemptLogUploader } from "./attempt-log-uploader.js";
import type { Engine, EngineContext, EngineOutcome } from "./engines/port.js";

export interface PublishingEngineOptions {
  store: ArtifactStorePort;
  factoryId: string;
  /** How often the attempt's log is appended to its blob. */
  flushMs: number;
  logger: Logger;
}

/**
 * Any engine, with its attempt's log and files in the artifact store: the log streams to an append
 * blob while the attempt runs (the engine's output, the stages it reports, how it ended), and when
 * the engine returns, the files it reported are uploaded and their pointers (and the log's)
 * replace the local paths in its outcome, which the release records on the run. The job document
 * keeps pointers only.
 */
export class PublishingEngine implements Engine {
  readonly name: string;
  /** The container exists (the coordinator creates it too; whoever starts first does). */
  private ready: Promise<void> | undefined;

  constructor(
    private readonly inner: Engine,
    private readonly options: PublishingEngineOptions,
  ) {
    this.name = inner.name;
  }

  async run(job: JobDoc, context: EngineContext): Promise<EngineOutcome> {
    this.ready ??= this.options.store.init().catch((error: unknown) => {
      this.ready = undefined;
      this.options.logger.warn({ err: error }, "cannot reach the artifact store; the attempt's log waits in memory for it");
    });
    await this.ready;
    const key = attemptLogKey(job.productId, job.id, job.leaseEpoch);
    const log = new AttemptLogUploader({ store: this.options.store, key, timers: context.timers, flushMs: this.options.flushMs, logger: this.options.logger });
    log.start();
    log.write(`[fleet] attempt ${job.attempts} of ${job.idempotencyKey} (${job.id}, epoch ${job.leaseEpoch}) on ${this.options.factoryId}, engine ${this.inner.name}, ${isoTime(context.clock.now())}\n`);
    let outcome: EngineOutcome;
    try {
      outcome = await this.inner.run(job, {
        ...context,
        log,
        reportStage: (stage) => {
          log.write(`[fleet] stage ${stage}\n`);
          return context.reportStage(stage);
        },
      });
    } catch (error) {
      log.write(`[fleet] the engine threw: ${error instanceof Error ? error.message : String(error)}\n`);
      await log.close();
      throw error;
    }
    log.write(`[fleet] ${outcome.kind}${"message" in outcome && outcome.message !== undefined ? `: ${outcome.message}` : ""} at ${isoTime(context.clock.now())}\n`);
    await log.close();
    if (outcome.kind === "later") return outcome;
    const files = await uploadArtifacts({ store: this.options.store, job, artifacts: outcome.artifacts ?? [], now: () => context.clock.now(), logger: this.options.logger });
    if (log.bytes === 0) return { ...outcome, artifacts: files.slice(0, 50) };
    const logPointer: ArtifactPointer = {
      id: artifactIdOf(job.id, job.leaseEpoch, "log"),
      name: "attempt.log",
      kind: "log",
      key,
      uri: this.options.store.uriOf(key),
      bytes: log.bytes,
      contentType: "text/plain; charset=utf-8",
      uploadedAt: context.clock.now(),
    };
    // A release carries at most 50 pointers: the log first.
    return { ...outcome, artifacts: [logPointer, ...files.slice(0, 49)] };
  }

  checkpoint(job: JobDoc, context: { workDir: string }) {
    return this.inner.checkpoint(job, context);
  }
}
