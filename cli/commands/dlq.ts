import type { Command } from "commander";
import type { JobDoc } from "../../contracts/index.js";
import { type CliIo, type CommandContext, contextOf } from "../context.js";
import { positiveInteger } from "../durations.js";
import { usageError } from "../exit-codes.js";
import { ago, paintStage, printJson, renderTable } from "../output.js";
import { factLines } from "./jobs-inspect.js";
import type { z } from "zod";
import type { DeadLetterSummarySchema } from "../../contracts/api-responses.js";

/** One dead letter as GET /fleet/dlq lists it (contracts/api-responses.ts). */
type DeadLetter = z.infer<typeof DeadLetterSummarySchema>;

interface FilterOptions {
  pool?: string;
  reason?: string;
  source?: string;
  product?: string;
}

interface BulkOptions extends FilterOptions {
  dryRun?: boolean;
  yes?: boolean;
  max: string;
  reason?: string;
  note?: string;
}

const SOURCES = ["broker", "retries", "operator"];

function addFilterOptions(command: Command): Command {
  return command
    .option("--pool <pool>", "dead letters of this pool")
    .option("--reason <reason>", "with this reason (e.g. RetriesExhausted, MaxDeliveryCountExceeded)")
    .option("--source <source>", `where it came from: ${SOURCES.join(", ")}`)
    .option("--product <id>", "this product (fleet-wide tokens only)");
}

function filterOf(options: FilterOptions): Record<string, string> {
  if (options.source !== undefined && !SOURCES.includes(options.source)) throw usageError(`--source '${options.source}' is not one of ${SOURCES.join(", ")}`);
  const filter: Record<string, string> = {};
  if (options.pool !== undefined) filter.pool = options.pool;
  if (options.reason !== undefined) filter.reason = options.reason;
  if (options.source !== undefined) filter.source = options.source;
  if (options.product !== undefined) filter.productId = options.product;
  return filter;
}

export function registerDeadLetterCommands(program: Command, io: CliIo): void {
  const dlq = program.command("dlq").description("Dead letters: list, show, replay, discard (one by id, or in bulk by filter)");

  addFilterOptions(dlq.command("ls").description("List dead letters, newest first"))
    .option("--include-discarded", "also list discarded dead letters")
    .option("--limit <n>", "per page, 1 to 500", "100")
    .option("--all", "follow continuations and list every match")
    .action(async (options: FilterOptions & { includeDiscarded?: boolean; limit: string; all?: boolean }, command: Command) => {
      const ctx = contextOf(command, io);
      const params = new URLSearchParams({ ...filterOf(options), limit: String(positiveInteger(options.limit, "--limit", 500)) });
      if (options.includeDiscarded === true) params.set("includeDiscarded", "true");
      const items: DeadLetter[] = [];
      let continuation: string | undefined;
      do {
        if (continuation !== undefined) params.set("continuation", continuation);
        const page = await ctx.client.get<{ items: DeadLetter[]; continuation?: string }>(`/fleet/dlq?${params}`);
        items.push(...page.items);
        continuation = page.continuation;
      } while (options.all === true && continuation !== undefined);
      if (ctx.output.json) return printJson(ctx.output, { items, ...(continuation === undefined ? {} : { continuation }) });
      printDeadLetters(ctx, items);
      if (continuation !== undefined) ctx.output.err("more dead letters: add --all");
    });

  dlq
    .command("show")
    .description("One dead letter with its runs")
    .argument("<id>", "job id (j-...)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const letter = await ctx.client.get<DeadLetter & { runs: { attempt: number; pool: string; factoryId: string; result: string; message?: string }[] }>(`/fleet/dlq/${encodeURIComponent(id)}`);
      if (ctx.output.json) return printJson(ctx.output, letter);
      const { runs, ...facts } = letter;
      for (const line of factLines(facts)) ctx.output.out(line);
      if (runs.length > 0) ctx.output.out(`\n${renderTable(["ATTEMPT", "POOL", "FACTORY", "RESULT", "MESSAGE"], runs.map((run) => [String(run.attempt), run.pool, run.factoryId, run.result, run.message ?? ""]))}`);
    });

  for (const verb of ["replay", "discard"] as const) {
    const command = addFilterOptions(
      dlq
        .command(verb)
        .description(
          verb === "replay"
            ? "Replay dead letters: new epoch, retries start over. One by id, or in bulk by filter (--dry-run first, then --yes)"
            : "Discard dead letters: they keep their record and leave the view. One by id, or in bulk by filter (--dry-run first, then --yes)",
        )
        .argument("[id]", "one dead letter's job id; omit it to act on every dead letter matching the filter"),
    )
      .option("--dry-run", "bulk: list what would change, change nothing")
      .option("--yes", "bulk: really change every match")
      .option("--max <n>", "bulk: at most this many, 1 to 1000", "100");
    if (verb === "discard") command.option("--note <text>", "why, recorded on each discarded job");
    command.action(async (id: string | undefined, options: BulkOptions, command: Command) => {
        const ctx = contextOf(command, io);
        if (id !== undefined) {
          if (options.dryRun === true || options.yes === true) throw usageError(`--dry-run and --yes are for bulk ${verb}s; with an id, ${verb} acts on that one dead letter`);
          const job = await ctx.client.post<JobDoc>(`/fleet/dlq/${encodeURIComponent(id)}/${verb}`, verb === "discard" && options.note !== undefined ? { reason: options.note } : undefined);
          if (ctx.output.json) return printJson(ctx.output, job);
          ctx.output.out(`${verb === "replay" ? "replayed" : "discarded"} ${job.id} (${job.idempotencyKey}): now ${paintStage(ctx.output, job.stage)}`);
          return;
        }
        await bulk(ctx, verb, options);
      });
  }
}

async function bulk(ctx: CommandContext, verb: "replay" | "discard", options: BulkOptions): Promise<void> {
  if (options.dryRun === true && options.yes === true) throw usageError("give --dry-run or --yes, not both");
  if (options.dryRun !== true && options.yes !== true) {
    throw usageError(`a bulk ${verb} changes every dead letter that matches: run it with --dry-run first to see which, then with --yes`);
  }
  const max = positiveInteger(options.max, "--max", 1000);
  const body = { filter: filterOf(options), dryRun: options.dryRun === true, max, ...(verb === "discard" && options.note !== undefined ? { reason: options.note } : {}) };
  const result = await ctx.client.post<{ dryRun: boolean; matched: number; items?: DeadLetter[]; replayed?: string[]; discarded?: string[]; failed?: { jobId: string; error: string }[] }>(`/fleet/dlq/${verb}`, body);
  if (ctx.output.json) return printJson(ctx.output, result);
  if (result.dryRun) {
    printDeadLetters(ctx, result.items ?? []);
    ctx.output.out(`dry run: ${result.matched} dead ${result.matched === 1 ? "letter" : "letters"} would be ${verb === "replay" ? "replayed" : "discarded"}; nothing changed (run again with --yes)`);
    return;
  }
  const done = result.replayed ?? result.discarded ?? [];
  ctx.output.out(`${verb === "replay" ? "replayed" : "discarded"} ${done.length} of ${result.matched}`);
  for (const failure of result.failed ?? []) ctx.output.err(`  ${failure.jobId}: ${failure.error}`);
}

function printDeadLetters(ctx: CommandContext, items: readonly DeadLetter[]): void {
  if (items.length === 0) {
    ctx.output.out("no dead letters match");
    return;
  }
  const now = ctx.io.now();
  ctx.output.out(
    renderTable(
      ["JOB", "KEY", "SOURCE", "REASON", "POOL", "RETRIES", "WHEN", "DISCARDED"],
      items.map((item) => [item.jobId, item.idempotencyKey, item.source, item.reason, item.pool ?? "-", String(item.retries), ago(item.at, now), item.discardedAt === undefined ? "" : ago(item.discardedAt, now)]),
    ),
  );
}
