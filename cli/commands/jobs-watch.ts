import type { Command } from "commander";
import type { ApiEvent, JobDoc } from "../../contracts/index.js";
import type { FleetClient } from "../api-client.js";
import { type CliIo, type CommandContext, contextOf } from "../context.js";
import { positiveInteger } from "../durations.js";
import { CliError, EXIT, ExitWith } from "../exit-codes.js";
import { paintStage, printJsonLine } from "../output.js";
import { readSse } from "../sse-reader.js";

const TERMINAL = new Set(["shipped", "failed", "dead_letter", "cancelled"]);

interface EventsPage {
  items: ApiEvent[];
  lastSeq: number;
  stage: string;
  terminal: boolean;
}

/** An event as a stream may send it: times as ISO or epoch ms. */
type StreamEvent = Omit<ApiEvent, "at"> & { at: string | number; stage?: string; terminal?: boolean };

export function registerWatch(jobs: Command, io: CliIo): void {
  jobs
    .command("watch")
    .description("Print each new event of a job until it finishes (exit 0 if it shipped, 1 if it failed, was cancelled or dead-lettered)")
    .argument("<id>", "job id (j-...)")
    .option("--interval <ms>", "poll interval when the coordinator has no event stream", "1000")
    .option("--no-stream", "poll the events route even when the live stream is available")
    .addHelpText("after", "\nUses the live stream GET /fleet/jobs/:id/events/stream (Server-Sent Events, resumed with Last-Event-ID) when\nthe coordinator serves it, else polls GET /fleet/jobs/:id/events?after=SEQ. --json prints one event per line.")
    .action(async (id: string, options: { interval: string; stream: boolean }, command: Command) => {
      const ctx = contextOf(command, io);
      const interval = positiveInteger(options.interval, "--interval", 60_000);
      const path = `/fleet/jobs/${encodeURIComponent(id)}`;
      const job = await ctx.client.get<JobDoc>(path);
      const state = { lastSeq: -1, stage: job.stage };
      if (options.stream && !TERMINAL.has(job.stage)) await followStream(ctx, path, state);
      // Poll unless the stream saw the job finish; a job finished before the watch began prints its timeline.
      if (!TERMINAL.has(state.stage) || state.lastSeq < 0) await poll(ctx, path, state, interval);
      if (!TERMINAL.has(state.stage)) return;
      if (!ctx.output.json) ctx.output.err(`${id} finished: ${state.stage}`);
      if (state.stage !== "shipped") throw new ExitWith(EXIT.failure);
    });
}

function print(ctx: CommandContext, event: StreamEvent): void {
  if (ctx.output.json) {
    printJsonLine(ctx.output, event);
    return;
  }
  const at = typeof event.at === "number" ? new Date(event.at).toISOString() : event.at;
  const data = event.data === undefined || Object.keys(event.data).length === 0 ? "" : `  ${JSON.stringify(event.data)}`;
  ctx.output.out(`${at}  #${event.seq}  ${paintStage(ctx.output, event.type)}  ${event.actor}  epoch ${event.epoch}${data}`);
}

/** Polls the events after the last one seen until the job is terminal (or Ctrl-C). */
async function poll(ctx: CommandContext, path: string, state: { lastSeq: number; stage: string }, interval: number): Promise<void> {
  while (!ctx.io.signal.aborted) {
    const page = await ctx.client.get<EventsPage>(`${path}/events${state.lastSeq < 0 ? "" : `?after=${state.lastSeq}`}`);
    for (const event of page.items) {
      print(ctx, event);
      state.lastSeq = Math.max(state.lastSeq, event.seq);
    }
    state.stage = page.stage;
    if (page.terminal) return;
    await ctx.io.sleep(interval, ctx.io.signal);
  }
}

/** Reconnections in a row that brought no new event before falling back to polling. */
const MAX_IDLE_RECONNECTS = 5;

/**
 * Follows the live stream, reconnecting with Last-Event-ID when it drops; returns when the job
 * finished, or when the stream is not there (404) or keeps failing, leaving polling to carry on
 * from the last event seen.
 */
async function followStream(ctx: CommandContext, path: string, state: { lastSeq: number; stage: string }): Promise<void> {
  for (let idle = 0; idle < MAX_IDLE_RECONNECTS && !ctx.io.signal.aborted; ) {
    const response = await openStream(ctx.client, path, state.lastSeq, ctx.io.signal);
    if (response === undefined) return;
    const before = state.lastSeq;
    try {
      for await (const message of readSse(response.body!, ctx.io.signal)) {
        let event: StreamEvent;
        try {
          event = JSON.parse(message.data) as StreamEvent;
        } catch {
          continue;
        }
        if (typeof event.seq !== "number" || typeof event.type !== "string" || event.seq <= state.lastSeq) continue;
        print(ctx, event);
        state.lastSeq = event.seq;
        if (typeof event.stage === "string") state.stage = event.stage;
        else if (TERMINAL.has(event.type)) state.stage = event.type;
        if (event.terminal === true || TERMINAL.has(state.stage)) return;
      }
    } catch (error) {
      if ((error as Error).name === "AbortError" || ctx.io.signal.aborted) return;
      if (!ctx.output.json) ctx.output.err(`the event stream broke (${(error as Error).message}); reconnecting`);
    }
    idle = state.lastSeq > before ? 0 : idle + 1;
    if (idle > 0) await ctx.io.sleep(250 * idle, ctx.io.signal);
  }
}

async function openStream(client: FleetClient, path: string, lastSeq: number, signal: AbortSignal): Promise<Response | undefined> {
  const response = await client.fetch("GET", `${path}/events/stream`, {
    headers: { accept: "text/event-stream", ...(lastSeq < 0 ? {} : { "last-event-id": String(lastSeq) }) },
    signal,
  });
  const type = response.headers.get("content-type") ?? "";
  if (response.status === 200 && type.includes("text/event-stream") && response.body !== null) return response;
  await response.body?.cancel().catch(() => undefined);
  if (response.status === 404 || response.status === 200) return undefined;
  throw new CliError(EXIT.failure, `the event stream answered ${response.status}`, "retry with --no-stream to poll instead");
}
