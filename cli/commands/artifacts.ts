import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import type { ArtifactView } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { usageError } from "../exit-codes.js";
import { printJson } from "../output.js";

/** `fleet artifacts get|link|rm ARTIFACT`: one artifact, by the id `fleet jobs artifacts` lists. */
export function registerArtifactCommands(program: Command, io: CliIo): void {
  const artifacts = program.command("artifacts").description("Download, link to or delete one artifact (ids from 'fleet jobs artifacts JOB')");

  artifacts
    .command("get")
    .description("Download an artifact's bytes to stdout, or to a file with --output")
    .argument("<artifact>", "artifact id (<job id>:<epoch>:log or <job id>:<epoch>:<n>)")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (id: string, options: { output?: string }, command: Command) => {
      const ctx = contextOf(command, io);
      const path = `/fleet/artifacts/${encodeURIComponent(id)}`;
      const response = await ctx.client.fetch("GET", path, { headers: { accept: "*/*" } });
      // A refusal is an API error like any other: ask again the usual way for its message and exit code.
      if (!response.ok) await ctx.client.request("GET", path);
      const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
      if (options.output === undefined) {
        // The bytes as they are (stdout is the process's own stream here, which takes bytes).
        for await (const chunk of body) (io.stdout as unknown as NodeJS.WritableStream).write(chunk as Buffer);
        return;
      }
      await pipeline(body, createWriteStream(options.output));
      ctx.output.err(`wrote ${response.headers.get("content-length") ?? "?"} bytes to ${options.output}`);
    });

  artifacts
    .command("link")
    .description("A short-lived, read-only URL to the artifact in Blob Storage (where the store can sign one)")
    .argument("<artifact>", "artifact id")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const link = await ctx.client.get<{ url: string; expiresAt: string; kind: string }>(`/fleet/artifacts/${encodeURIComponent(id)}/link`);
      if (ctx.output.json) return printJson(ctx.output, link);
      ctx.output.out(link.url);
      ctx.output.err(`valid until ${link.expiresAt} (${link.kind} signature)`);
    });

  artifacts
    .command("rm")
    .description("Delete an artifact's bytes (its pointer stays on the job, marked deleted); needs --yes")
    .argument("<artifact>", "artifact id")
    .option("--yes", "really delete it")
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const ctx = contextOf(command, io);
      if (options.yes !== true) throw usageError(`deleting ${id} cannot be undone: add --yes`);
      const view = await ctx.client.request<ArtifactView>("DELETE", `/fleet/artifacts/${encodeURIComponent(id)}`);
      if (ctx.output.json) return printJson(ctx.output, view.body);
      ctx.output.out(`${view.body.id} (${view.body.name}) is ${view.body.state}${view.body.deletedBy === undefined ? "" : `, by ${view.body.deletedBy}`}`);
    });
}
