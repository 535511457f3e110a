import type { Command } from "commander";
import type { JobSummary, JobTotals } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { parseTimeArgument, positiveInteger } from "../durations.js";
import { usageError } from "../exit-codes.js";
import { ago, type Output, paintStage, printJson, renderTable } from "../output.js";

interface ListOptions {
  stage?: string;
  pool?: string;
  priority?: string;
  capability?: string;
  keyPrefix?: string;
  q?: string;
  after?: string;
  before?: string;
  sort?: string;
  limit?: string;
  all?: boolean;
  continuation?: string;
  full?: boolean;
}

interface ListPage {
  items: JobSummary[];
  continuation?: string;
  totals: JobTotals;
}

const SORTS = ["createdAt", "-createdAt", "updatedAt", "-updatedAt", "priority", "-priority"];
/** --all follows continuations up to this many jobs: a guard against an endless listing. */
const ALL_CAP = 100_000;

export function registerList(jobs: Command, io: CliIo): void {
  jobs
    .command("ls")
    .description("List jobs, newest first, with totals per stage")
    .option("--stage <stages>", "one or more stages, comma-separated (queued,blocked,assigned,building,review,testing,shipped,failed,dead_letter,cancelled)")
    .option("--pool <pool>", "jobs the pool holds or has run")
    .option("--priority <levels>", "one or more of low, medium, high, critical, comma-separated")
    .option("--capability <caps>", "jobs needing every capability listed, comma-separated")
    .option("--key-prefix <prefix>", "idempotency keys starting with this")
    .option("-q, --q <text>", "title contains this text (any case)")
    .option("--after <time>", "submitted after: ISO 8601 or a duration ago (30m, 2h, 7d)")
    .option("--before <time>", "submitted before: ISO 8601 or a duration ago")
    .option("--sort <field>", `${SORTS.join(", ")} ('-': descending)`, "-createdAt")
    .option("--limit <n>", "jobs per page, 1 to 500", "50")
    .option("--all", "follow continuations and list every match")
    .option("--continuation <token>", "the token a previous page printed")
    .option("--full", "whole job documents instead of summaries (with --json)")
    .action(async (options: ListOptions, command: Command) => {
      const ctx = contextOf(command, io);
      const query = queryOf(options, io.now());
      const items: JobSummary[] = [];
      let page: ListPage;
      let continuation = options.continuation;
      do {
        const params = new URLSearchParams(query);
        if (continuation !== undefined) params.set("continuation", continuation);
        page = await ctx.client.get<ListPage>(`/fleet/jobs?${params}`);
        items.push(...page.items);
        continuation = page.continuation;
      } while (options.all === true && continuation !== undefined && items.length < ALL_CAP);
      if (ctx.output.json) {
        printJson(ctx.output, { items, ...(continuation === undefined ? {} : { continuation }), totals: page.totals });
        return;
      }
      printJobs(ctx.output, items, io.now());
      ctx.output.out(totalsLine(page.totals));
      if (continuation !== undefined) ctx.output.err(`more jobs: add --all, or --continuation ${continuation}`);
    });
}

function queryOf(options: ListOptions, now: number): Record<string, string> {
  if (options.sort !== undefined && !SORTS.includes(options.sort)) throw usageError(`--sort '${options.sort}' is not one of ${SORTS.join(", ")}`);
  const query: Record<string, string> = { sort: options.sort ?? "-createdAt", limit: String(positiveInteger(options.limit ?? "50", "--limit", 500)) };
  if (options.full === true) query.view = "full";
  if (options.stage !== undefined) query.stage = options.stage;
  if (options.pool !== undefined) query.pool = options.pool;
  if (options.priority !== undefined) query.priority = options.priority;
  if (options.capability !== undefined) query.capability = options.capability;
  if (options.keyPrefix !== undefined) query.keyPrefix = options.keyPrefix;
  if (options.q !== undefined) query.q = options.q;
  if (options.after !== undefined) query.submittedAfter = parseTimeArgument(options.after, "--after", now);
  if (options.before !== undefined) query.submittedBefore = parseTimeArgument(options.before, "--before", now);
  return query;
}

export function printJobs(output: Output, items: readonly JobSummary[], now: number): void {
  if (items.length === 0) {
    output.out("no jobs match (submit one with 'fleet jobs submit FILE.md')");
    return;
  }
  const rows = items.map((job) => [
    job.id,
    job.idempotencyKey,
    paintStage(output, job.stage),
    job.priority,
    job.pool ?? "-",
    String(job.attempts),
    ago(job.createdAt, now),
    ago(job.updatedAt, now),
    job.title ?? "",
  ]);
  output.out(renderTable(["ID", "KEY", "STAGE", "PRIORITY", "POOL", "ATTEMPTS", "CREATED", "UPDATED", "TITLE"], rows));
}

export function totalsLine(totals: JobTotals): string {
  const active = Object.entries(totals.active)
    .map(([stage, count]) => `${stage} ${count}`)
    .join(", ");
  const terminal = Object.entries(totals.terminal)
    .map(([stage, count]) => `${stage} ${count}`)
    .join(", ");
  return `totals: active ${active === "" ? "none" : active}; finished ${terminal}`;
}
