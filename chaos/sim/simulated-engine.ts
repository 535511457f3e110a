import type { JobDoc } from "../../contracts/index.js";
import type { Engine, EngineContext, EngineOutcome, EngineStage } from "../../factory-agent/engines/port.js";
import type { SimWorld } from "./sim-world.js";

/**
 * The engine of a simulated factory: each attempt draws its duration and its stage path from the
 * seeded random (sometimes review or tests send it back to building), reports each stage through
 * the agent, and waits on the agent's own timers, so a slow clock makes slow work. Poison work
 * (`sim:poison`) crashes the whole process partway through, every time, until the fix is deployed.
 */
export class SimulatedEngine implements Engine {
  readonly name = "simulated";

  constructor(
    private readonly world: SimWorld,
    /** kill -9 of the agent's process: the attempt never returns. */
    private readonly crash: (job: JobDoc, epoch: number) => void,
  ) {}

  async run(job: JobDoc, context: EngineContext): Promise<EngineOutcome> {
    const { random } = this.world;
    const durationMs = random.int(1500, 6000);
    const path: EngineStage[] = random.chance(0.1) ? ["building", "review", "building", "testing"] : ["building", "review", "testing"];
    const crashAt = job.bodyMd.includes("sim:poison") && !this.world.poisonFixed ? random.int(100, durationMs - 1) : undefined;
    const step = Math.round(durationMs / path.length);
    let elapsed = 0;
    for (const [index, stage] of path.entries()) {
      await context.reportStage(stage);
      if (crashAt !== undefined && (crashAt < elapsed + step || index === path.length - 1)) {
        await context.timers.sleep(Math.max(0, crashAt - elapsed), context.signal);
        if (!context.signal.aborted) {
          this.crash(job, job.leaseEpoch);
          return new Promise<never>(() => undefined);
        }
      } else {
        await context.timers.sleep(step, context.signal);
      }
      elapsed += step;
      if (context.signal.aborted) {
        return context.abortReason() === "budget" ? { kind: "retryable", message: `wall-clock budget of ${context.wallBudgetMs} ms exceeded` } : { kind: "retryable", message: "drained" };
      }
    }
    return { kind: "shipped", insights: { model: "simulated", durationMs, tokensIn: 1000, tokensOut: 500, costUsd: 0.01, filesChanged: path.length } };
  }

  async checkpoint(job: JobDoc): Promise<{ ref: string; note: string }> {
    return { ref: `wip/${job.id}`, note: "simulated checkpoint" };
  }
}
