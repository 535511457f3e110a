import type { ArtifactPointer, Checkpoint, Clock, Insights, JobDoc, Timers } from "../../contracts/index.js";

/** Progress an engine may report while it runs; the agent turns each into a fenced PATCH. */
export type EngineStage = "building" | "review" | "testing";

export interface EngineContext {
  /** Aborted when the wall-clock budget runs out or the agent drains (SIGTERM). Engines MUST stop promptly. */
  signal: AbortSignal;
  /** Why `signal` fired: "budget" or "drain". */
  abortReason(): "budget" | "drain" | undefined;
  workDir: string;
  wallBudgetMs: number;
  reportStage(stage: EngineStage): Promise<void>;
  /** The agent's clock and timers: an engine that waits or measures uses these, never the globals,
   * so it runs the same under the simulator and the fake engine context. */
  clock: Clock;
  timers: Timers;
  /** The attempt's log, streamed to the artifact store while the attempt runs (when the agent has
   * one): what the engine writes here is what an operator reads live. Never blocks, never throws. */
  log?: AttemptLog;
}

/** Where an engine writes its attempt's output as it comes. */
export interface AttemptLog {
  write(chunk: string | Buffer): void;
}

/** What the engine delivered, when it knows: the branch it pushed, its head commit, the pull request. */
export interface Deliverable {
  branch?: string;
  commit?: string;
  prUrl?: string;
}

/**
 * What an attempt ended with. Failures are retryable unless the engine says otherwise
 * (BullMQ's UnrecoverableError, Temporal's nonRetryable); `later` backs off and requeues without
 * consuming a retry (River's JobSnooze).
 */
export type EngineOutcome =
  | { kind: "shipped"; insights?: Insights; artifacts?: ArtifactPointer[]; message?: string; deliverable?: Deliverable }
  | { kind: "retryable"; message: string; insights?: Insights; artifacts?: ArtifactPointer[]; deliverable?: Deliverable }
  | { kind: "non_retryable"; message: string; insights?: Insights; artifacts?: ArtifactPointer[]; deliverable?: Deliverable }
  | { kind: "later"; message: string; afterSeconds?: number };

/** An engine runs one job. The agent owns leases, reports and settlement; the engine only works. */
export interface Engine {
  readonly name: string;
  run(job: JobDoc, context: EngineContext): Promise<EngineOutcome>;
  /** Saves resumable progress (for example a WIP branch) before the job is handed back on
   * scale-in or preemption, after `run` returned. Returns the pointer the next attempt resumes
   * from (it finds it as `job.checkpoint`). */
  checkpoint(job: JobDoc, context: { workDir: string }): Promise<Checkpoint | undefined>;
}
