import type { AttemptLog, EngineContext, EngineStage } from "./port.js";
import { ManualTime } from "./manual-time.js";

export interface FakeEngineContextOptions {
  workDir?: string;
  wallBudgetMs?: number;
  /** Called on every stage report, after it was recorded (to answer slowly, or to cancel mid-run). */
  onReport?: (stage: EngineStage) => void | Promise<void>;
  time?: ManualTime;
}

/**
 * An engine context for running an engine in-process in a unit test, in the spirit of Temporal's
 * MockActivityEnvironment: a manual clock the test moves (`time.advance`), a spy on the stage
 * reports (an engine's heartbeats), and `cancel()` to abort the run as the agent would on drain or
 * when the wall-clock budget runs out.
 *
 *   const context = new FakeEngineContext();
 *   const outcome = engine.run(job, context);
 *   await context.time.advance(10_000);
 *   context.cancel("drain");
 *   expect(await outcome).toEqual({ kind: "retryable", message: "drained" });
 */
export class FakeEngineContext implements EngineContext {
  readonly time: ManualTime;
  readonly clock: ManualTime;
  readonly timers: ManualTime;
  readonly workDir: string;
  readonly wallBudgetMs: number;
  /** Every stage the engine reported, in order, with the time it did. */
  readonly reports: { stage: EngineStage; at: number }[] = [];
  /** What the engine wrote to its attempt's log. */
  private readonly written: Buffer[] = [];
  readonly log: AttemptLog = { write: (chunk) => void this.written.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)) };
  private readonly controller = new AbortController();
  private reason: "budget" | "drain" | undefined;

  constructor(private readonly options: FakeEngineContextOptions = {}) {
    this.time = options.time ?? new ManualTime();
    this.clock = this.time;
    this.timers = this.time;
    this.workDir = options.workDir ?? ".tmp/fake-engine-context";
    this.wallBudgetMs = options.wallBudgetMs ?? 3_600_000;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The attempt's log so far, as text. */
  logText(): string {
    return Buffer.concat(this.written).toString("utf8");
  }

  abortReason(): "budget" | "drain" | undefined {
    return this.reason;
  }

  async reportStage(stage: EngineStage): Promise<void> {
    this.reports.push({ stage, at: this.time.now() });
    await this.options.onReport?.(stage);
  }

  /** Aborts the run: "drain" as on SIGTERM, "budget" as when the wall-clock budget ran out. */
  cancel(reason: "budget" | "drain" = "drain"): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller.abort();
  }
}
