import type { Command } from "commander";
import type { ArtifactListResponse, JobDoc, LogChunkResponse } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { positiveInteger } from "../durations.js";
import { printJson, printJsonLine, renderTable } from "../output.js";

/** `fleet jobs artifacts ID` and `fleet jobs log ID`: an attempt's files and its (live) log. */
export function registerJobArtifacts(jobs: Command, io: CliIo): void {
  jobs
    .command("artifacts")
    .description("Every attempt's log and files: state, size, when uploaded and when they expire")
    .argument("<id>", "job id (j-...)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const listed = await ctx.client.get<ArtifactListResponse>(`/fleet/jobs/${encodeURIComponent(id)}/artifacts`);
      if (ctx.output.json) return printJson(ctx.output, listed);
      if (listed.items.length === 0) {
        ctx.output.out("no artifacts yet: an attempt's log appears when a factory accepts the job");
        return;
      }
      ctx.output.out(
        renderTable(
          ["ARTIFACT", "EPOCH", "NAME", "KIND", "STATE", "BYTES", "UPLOADED", "EXPIRES"],
          listed.items.map((a) => [a.id, String(a.epoch), a.name, a.kind, a.state, a.bytes === null ? "-" : String(a.bytes), a.uploadedAt ?? "-", a.expiresAt ?? "-"]),
        ),
      );
      ctx.output.out(`\nkept ${listed.retentionDays === null ? "until deleted" : `${listed.retentionDays} days`}; download with: fleet artifacts get ARTIFACT [--output FILE]`);
    });

  jobs
    .command("log")
    .description("An attempt's log (the latest attempt unless --epoch); --follow prints it as it grows until the attempt ends")
    .argument("<id>", "job id (j-...)")
    .option("--epoch <n>", "the attempt's lease epoch (see fleet jobs get)")
    .option("--follow", "keep printing what the attempt writes until it ends (Ctrl-C stops)")
    .action(async (id: string, options: { epoch?: string; follow?: boolean }, command: Command) => {
      const ctx = contextOf(command, io);
      let epoch = options.epoch === undefined ? undefined : positiveInteger(options.epoch, "--epoch");
      if (epoch === undefined) {
        const job = await ctx.client.get<JobDoc>(`/fleet/jobs/${encodeURIComponent(id)}`);
        epoch = job.runs.at(-1)?.epoch;
        if (epoch === undefined) {
          ctx.output.err(`${job.id} has not been attempted yet: its log starts when a factory accepts it`);
          return;
        }
      }
      let offset = 0;
      for (;;) {
        const chunk = await ctx.client.get<LogChunkResponse>(`/fleet/jobs/${encodeURIComponent(id)}/runs/${epoch}/log?offset=${offset}&limit=262144`);
        if (ctx.output.json) printJsonLine(ctx.output, chunk);
        else if (chunk.text !== "") io.stdout.write(chunk.text);
        const more = chunk.nextOffset < chunk.size;
        offset = chunk.nextOffset;
        if (more) continue;
        if (options.follow !== true || !chunk.live || io.signal.aborted) return;
        await io.sleep(1000, io.signal);
        if (io.signal.aborted) return;
      }
    });
}
