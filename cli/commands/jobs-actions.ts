import type { Command } from "commander";
import type { JobDoc } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { paintStage, printJson } from "../output.js";

const ACTIONS = {
  cancel: "Cancel a job (it stops, keeps its record)",
  requeue: "Requeue a job with a new epoch (a finished one starts its retries over)",
  ship: "Mark a job shipped by hand (idempotent)",
  reject: "Mark a job failed by hand",
} as const;

export function registerActions(jobs: Command, io: CliIo): void {
  for (const [action, description] of Object.entries(ACTIONS)) {
    jobs
      .command(action)
      .description(description)
      .argument("<id>", "job id (j-...)")
      .option("--reason <text>", "why, recorded on the job's timeline")
      .action(async (id: string, options: { reason?: string }, command: Command) => {
        const ctx = contextOf(command, io);
        const job = await ctx.client.post<JobDoc>(`/fleet/jobs/${encodeURIComponent(id)}/actions/${action}`, options.reason === undefined ? {} : { reason: options.reason });
        if (ctx.output.json) return printJson(ctx.output, job);
        ctx.output.out(`${job.id} (${job.idempotencyKey}) is now ${paintStage(ctx.output, job.stage)}, epoch ${job.leaseEpoch}`);
      });
  }
}
