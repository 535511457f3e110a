import type { JobDoc } from "../../contracts/index.js";
import type { Engine, EngineContext, EngineOutcome, EngineStage } from "../../factory-agent/engines/port.js";
import type { SimWorld } from "./sim-world.js";

/**
 * The engine of a simulated factory: each attempt draws its duration, its cost and its stage path
 * from the seeded random (sometimes review or tests send it back to building; low-priority work
 * runs longest, so critical jobs find it on the seats; `sim:long` work about a minute), reports each stage through the agent, and
 * waits on the agent's own timers, so a slow clock makes slow work. An attempt stopped early
 * (drain, stop, budget) reports the part of its cost it spent, and its checkpoint names the
 * attempt; each attempt's start is recorded with the checkpoint it resumes from. Poison work
 * (`sim:poison`) crashes the whole process partway through, every time, until the fix is deployed.
 */
export class SimulatedEngine implements Engine {
  readonly name = "simulated";

  constructor(
    private readonly world: SimWorld,
    private readonly agentId: string,
    /** kill -9 of the agent's process: the attempt never returns. */
    private readonly crash: (job: JobDoc, epoch: number) => void,
  ) {}

  async run(job: JobDoc, context: EngineContext): Promise<EngineOutcome> {
    const { random, history } = this.world;
    history.instant({ kind: "engine-start", actor: this.agentId, jobId: job.id, epoch: job.leaseEpoch, ...(job.checkpoint === undefined ? {} : { checkpoint: job.checkpoint.ref }) });
    // `sim:long` work (the schedule's sweep) runs about a minute, so the next occurrence may find it active.
    const durationMs = job.bodyMd.includes("sim:long") ? random.int(30_000, 75_000) : random.int(1500, job.priority === "low" ? 12_000 : job.priority === "medium" ? 9000 : 6000);
    const costCents = random.int(10, 300);
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
        // What was spent until the stop, at least a cent.
        const insights = { model: "simulated", costUsd: Math.max(1, Math.round((costCents * Math.min(elapsed, durationMs)) / durationMs)) / 100 };
        return context.abortReason() === "budget"
          ? { kind: "retryable", message: `wall-clock budget of ${context.wallBudgetMs} ms exceeded`, insights }
          : { kind: "retryable", message: "drained", insights };
      }
    }
    return { kind: "shipped", insights: { model: "simulated", durationMs, tokensIn: 1000, tokensOut: 500, costUsd: costCents / 100, filesChanged: path.length } };
  }

  async checkpoint(job: JobDoc): Promise<{ ref: string; note: string }> {
    return { ref: `wip/${job.id}/epoch-${job.leaseEpoch}`, note: "simulated checkpoint" };
  }
}
