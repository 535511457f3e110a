import type { JobDoc } from "../../contracts/index.js";
import type { Engine, EngineContext, EngineOutcome } from "./port.js";

export interface SimEngineOptions {
  durationMs: number;
  failureRate: number;
  /** Chance that the whole agent process dies mid-job (a crash the coordinator must recover). */
  crashRate: number;
  random?: () => number;
  /** What a crash does; the agent's entry point makes it a SIGKILL of the process. */
  crash?: () => never;
}

/**
 * The built-in engine for demos, load tests and chaos: walks building → review → testing over
 * `durationMs`, then ships, fails (retryably) or crashes at the configured rates. A job body
 * containing `sim:poison` crashes every time; `sim:fail-permanent` fails non-retryably;
 * `sim:later` asks to run later; `sim:slow` takes ten times as long.
 */
export class SimEngine implements Engine {
  readonly name = "sim";
  constructor(private readonly options: SimEngineOptions) {}

  async run(job: JobDoc, context: EngineContext): Promise<EngineOutcome> {
    const random = this.options.random ?? Math.random;
    const duration = job.bodyMd.includes("sim:slow") ? this.options.durationMs * 10 : this.options.durationMs;
    const stages = ["building", "review", "testing"] as const;
    for (const [index, stage] of stages.entries()) {
      await context.reportStage(stage);
      await context.timers.sleep(duration / stages.length, context.signal);
      if (context.signal.aborted) {
        return context.abortReason() === "budget"
          ? { kind: "retryable", message: `wall-clock budget of ${context.wallBudgetMs} ms exceeded` }
          : { kind: "retryable", message: "drained" };
      }
      if (index === 0 && (job.bodyMd.includes("sim:poison") || random() < this.options.crashRate)) this.crash();
    }
    if (job.bodyMd.includes("sim:fail-permanent")) return { kind: "non_retryable", message: "simulated permanent failure" };
    if (job.bodyMd.includes("sim:later")) return { kind: "later", message: "simulated: try later", afterSeconds: 1 };
    if (random() < this.options.failureRate) return { kind: "retryable", message: "simulated failure" };
    return {
      kind: "shipped",
      insights: { model: "sim", tokensIn: 1000 + job.bodyMd.length, tokensOut: 500, costUsd: 0.01, filesChanged: 3, durationMs: Math.round(duration) },
    };
  }

  async checkpoint(job: JobDoc): Promise<{ ref: string; note: string }> {
    return { ref: `wip/${job.id}`, note: "simulated checkpoint" };
  }

  private crash(): never {
    if (this.options.crash !== undefined) this.options.crash();
    process.kill(process.pid, "SIGKILL");
    throw new Error("unreachable: the process was killed");
  }
}
