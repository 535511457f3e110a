import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { type JobSummary, LIMITS } from "../../contracts/index.js";
import { ApiError } from "../api-client.js";
import { type CliIo, type CommandContext, contextOf } from "../context.js";
import { positiveInteger, positiveNumber } from "../durations.js";
import { EXIT, ExitWith } from "../exit-codes.js";
import { splitList } from "../front-matter.js";
import { printJson } from "../output.js";
import { percentile } from "../percentiles.js";
import { ProgressBar } from "../progress-bar.js";

interface LoadOptions {
  jobs: string;
  rate: string;
  concurrency: string;
  capabilities?: string;
  priority: string;
  prefix?: string;
  wait?: boolean;
  timeout: string;
  bulk?: string;
}

/** A 429 or 503 is retried after its Retry-After (the key makes the retry idempotent). */
const MAX_ATTEMPTS = 6;
const TERMINAL = "shipped,failed,dead_letter,cancelled";

export function registerLoadCommand(program: Command, io: CliIo): void {
  program
    .command("load")
    .description("Submit N jobs at R per second (open loop, at most C in flight) and report throughput and latency")
    .requiredOption("--jobs <n>", "how many jobs to submit")
    .requiredOption("--rate <perSecond>", "submissions started per second")
    .option("--concurrency <c>", "at most this many submissions in flight", "32")
    .option("--capabilities <list>", "capabilities of every job, comma-separated (default: none, so any pool)")
    .option("--priority <level>", "low, medium, high or critical", "medium")
    .option("--prefix <key>", "idempotency key prefix (default: load-<time>-<random>); a rerun with the same prefix resubmits the same jobs")
    .option("--bulk <n>", `send the jobs in batches of n per request (POST /fleet/jobs/batch, 1 to ${LIMITS.batchJobs}) at the same offered rate`)
    .option("--wait", "then wait until every job finished and report submit-to-shipped latency")
    .option("--timeout <seconds>", "with --wait: give up after this long", "600")
    .addHelpText(
      "after",
      "\nOpen loop: submission i starts at i/R seconds whatever earlier ones took, unless C are already in flight (then it\nwaits for a slot and the achieved rate drops below R). A 429 or 503 is retried after Retry-After, up to 5 times.\nWith --bulk n, batch i of n jobs starts at i*n/R seconds and C counts batches; each job's latency is its batch's;\njobs of a batch that answer 429 or 503 are resubmitted after 1 s (up to 5 times),\nand each job of a batch counts as one request against the key's rate limit (a load-tester key allows 5,000/s).\nExit 1 if a submission failed, or with --wait if a job did not ship in time.",
    )
    .action(async (options: LoadOptions, command: Command) => {
      const ctx = contextOf(command, io);
      const jobs = positiveInteger(options.jobs, "--jobs", 1_000_000);
      const rate = positiveNumber(options.rate, "--rate");
      const concurrency = positiveInteger(options.concurrency, "--concurrency", 10_000);
      const timeoutMs = positiveInteger(options.timeout, "--timeout", 86_400) * 1000;
      const prefix = options.prefix ?? `load-${io.now().toString(36)}-${randomBytes(2).toString("hex")}`;
      const bulk = options.bulk === undefined ? undefined : positiveInteger(options.bulk, "--bulk", LIMITS.batchJobs);
      const capabilities = options.capabilities === undefined ? [] : splitList(options.capabilities);
      const submitted = await submitAll(ctx, { jobs, rate, concurrency, prefix, capabilities, priority: options.priority, bulk });
      const report: Record<string, unknown> = { jobs, rate, concurrency, ...(bulk === undefined ? {} : { bulk }), prefix, ...submitted.report };
      if (!ctx.output.json) printSubmitReport(ctx, submitted.report, rate);
      let ok = submitted.report.failed === 0;
      if (options.wait === true && submitted.report.submitted > 0) {
        const finished = await waitForAll(ctx, prefix, submitted.report.submitted, timeoutMs);
        report.finished = finished;
        if (!ctx.output.json) printFinishReport(ctx, finished);
        ok = ok && finished.timedOut === false && finished.byStage.shipped === submitted.report.submitted;
      }
      if (ctx.output.json) printJson(ctx.output, report);
      if (!ok) throw new ExitWith(EXIT.failure);
    });
}

interface SubmitPlan {
  jobs: number;
  rate: number;
  concurrency: number;
  prefix: string;
  capabilities: string[];
  priority: string;
  /** Jobs per request (POST /fleet/jobs/batch); undefined: one POST /fleet/jobs per job. */
  bulk: number | undefined;
}

interface BatchAnswer {
  results: { index: number; status: number; error?: { code: string; message: string } }[];
}

async function submitAll(ctx: CommandContext, plan: SubmitPlan) {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let failed = 0;
  let retried = 0;
  let done = 0;
  let firstError: string | undefined;
  const bar = new ProgressBar(ctx.io.stderr, plan.jobs, "submitting", ctx.output.interactive && !ctx.output.json, ctx.io.now);
  const inFlight = new Set<Promise<void>>();
  const start = ctx.io.now();
  const bodyOf = (index: number) => ({
    idempotencyKey: `${plan.prefix}-${index}`,
    title: `load test ${index + 1} of ${plan.jobs}`,
    bodyMd: `# Load test\nJob ${index + 1} of ${plan.jobs} (${plan.prefix}).`,
    capabilities: plan.capabilities,
    priority: plan.priority,
  });
  const fail = (label: string, message: string, count = 1) => {
    failed += count;
    errors.set(label, (errors.get(label) ?? 0) + count);
    firstError ??= message;
  };
  // One request: a job, or a batch of `size` jobs from `first` on. A 429 or 503 is retried after
  // Retry-After: the whole request, or (for a batch) the jobs of it that answered so.
  const send = async (first: number, size: number): Promise<void> => {
    const began = ctx.io.now();
    let indexes = Array.from({ length: size }, (_, i) => first + i);
    for (let attempt = 1; ; attempt++) {
      try {
        if (plan.bulk === undefined) {
          await ctx.client.post("/fleet/jobs", bodyOf(first));
          latencies.push(ctx.io.now() - began);
          return;
        }
        const answer = await ctx.client.post<BatchAnswer>("/fleet/jobs/batch", { jobs: indexes.map(bodyOf) });
        const took = ctx.io.now() - began;
        const again: number[] = [];
        for (const result of answer.results) {
          const index = indexes[result.index]!;
          if (result.error === undefined) latencies.push(took);
          else if ((result.status === 429 || result.status === 503) && attempt < MAX_ATTEMPTS) again.push(index);
          else fail(`${result.status} ${result.error.code}`, `${bodyOf(index).idempotencyKey}: ${result.error.message}`);
        }
        if (again.length === 0) return;
        retried += again.length;
        indexes = again;
        await ctx.io.sleep(1000);
      } catch (error) {
        const status = error instanceof ApiError ? error.status : undefined;
        if ((status === 429 || status === 503) && attempt < MAX_ATTEMPTS) {
          retried += indexes.length;
          await ctx.io.sleep(retryAfterMs(error as ApiError));
          continue;
        }
        fail(status === undefined ? "unreachable" : `${status} ${(error as ApiError).body.code}`, (error as Error).message, indexes.length);
        return;
      }
    }
  };
  const size = plan.bulk ?? 1;
  for (let first = 0; first < plan.jobs && !ctx.io.signal.aborted; first += size) {
    const due = start + (first * 1000) / plan.rate;
    const wait = due - ctx.io.now();
    if (wait > 0) await ctx.io.sleep(wait, ctx.io.signal);
    while (inFlight.size >= plan.concurrency) await Promise.race(inFlight);
    const jobsOfRequest = Math.min(size, plan.jobs - first);
    const promise: Promise<void> = send(first, jobsOfRequest).finally(() => {
      inFlight.delete(promise);
      done += jobsOfRequest;
      bar.update(done, failed > 0 ? `(${failed} failed)` : "");
    });
    inFlight.add(promise);
  }
  await Promise.all(inFlight);
  bar.finish();
  const seconds = (ctx.io.now() - start) / 1000;
  return {
    report: {
      submitted: latencies.length,
      failed,
      retried,
      errors: Object.fromEntries(errors),
      ...(firstError === undefined ? {} : { firstError }),
      durationSeconds: round(seconds, 3),
      throughputPerSecond: round(seconds === 0 ? latencies.length : latencies.length / seconds, 1),
      submitLatencyMs: { p50: percentile(latencies, 50) ?? null, p99: percentile(latencies, 99) ?? null, max: latencies.length === 0 ? null : Math.max(...latencies) },
    },
  };
}

function retryAfterMs(error: ApiError): number {
  return Math.min(10_000, Math.max(250, (error.retryAfterSeconds ?? 1) * 1000));
}

/** Polls the finished jobs of this run (by key prefix) until all are in, or the timeout. */
async function waitForAll(ctx: CommandContext, prefix: string, expected: number, timeoutMs: number) {
  const deadline = ctx.io.now() + timeoutMs;
  const bar = new ProgressBar(ctx.io.stderr, expected, "finishing ", ctx.output.interactive && !ctx.output.json, ctx.io.now);
  let finished: JobSummary[] = [];
  for (;;) {
    finished = await listFinished(ctx, prefix);
    bar.update(finished.length);
    if (finished.length >= expected || ctx.io.now() >= deadline || ctx.io.signal.aborted) break;
    await ctx.io.sleep(1000, ctx.io.signal);
  }
  bar.finish();
  const byStage: Record<string, number> = { shipped: 0, failed: 0, dead_letter: 0, cancelled: 0 };
  const toShipped: number[] = [];
  for (const job of finished) {
    byStage[job.stage] = (byStage[job.stage] ?? 0) + 1;
    if (job.stage === "shipped") toShipped.push(Date.parse(job.updatedAt) - Date.parse(job.createdAt));
  }
  const first = Math.min(...finished.map((job) => Date.parse(job.createdAt)));
  const last = Math.max(...finished.map((job) => Date.parse(job.updatedAt)));
  return {
    expected,
    finished: finished.length,
    timedOut: finished.length < expected,
    byStage,
    submitToShippedMs: { p50: percentile(toShipped, 50) ?? null, p99: percentile(toShipped, 99) ?? null, max: toShipped.length === 0 ? null : Math.max(...toShipped) },
    completionPerSecond: finished.length === 0 || last <= first ? null : round(finished.length / ((last - first) / 1000), 1),
  };
}

async function listFinished(ctx: CommandContext, prefix: string): Promise<JobSummary[]> {
  const items: JobSummary[] = [];
  let continuation: string | undefined;
  do {
    const params = new URLSearchParams({ keyPrefix: `${prefix}-`, stage: TERMINAL, limit: "500" });
    if (continuation !== undefined) params.set("continuation", continuation);
    const page = await ctx.client.get<{ items: JobSummary[]; continuation?: string }>(`/fleet/jobs?${params}`);
    items.push(...page.items);
    continuation = page.continuation;
  } while (continuation !== undefined);
  return items;
}

function printSubmitReport(ctx: CommandContext, report: Awaited<ReturnType<typeof submitAll>>["report"], rate: number): void {
  const out = ctx.output;
  out.out(
    `submitted ${report.submitted} jobs in ${report.durationSeconds} s: ${report.throughputPerSecond} jobs/s (target ${rate}/s); ${report.failed} failed, ${report.retried} retried after 429/503`,
  );
  out.out(`submit latency: p50 ${ms(report.submitLatencyMs.p50)}, p99 ${ms(report.submitLatencyMs.p99)}, max ${ms(report.submitLatencyMs.max)}`);
  if (report.failed > 0) out.err(`failures: ${Object.entries(report.errors).map(([label, count]) => `${label} x${count}`).join(", ")}; first: ${report.firstError}`);
}

function printFinishReport(ctx: CommandContext, finished: Awaited<ReturnType<typeof waitForAll>>): void {
  const stages = Object.entries(finished.byStage)
    .map(([stage, count]) => `${stage} ${count}`)
    .join(", ");
  ctx.output.out(`finished ${finished.finished} of ${finished.expected}${finished.timedOut ? " (timed out)" : ""}: ${stages}`);
  ctx.output.out(`submit to shipped: p50 ${ms(finished.submitToShippedMs.p50)}, p99 ${ms(finished.submitToShippedMs.p99)}, max ${ms(finished.submitToShippedMs.max)}${finished.completionPerSecond === null ? "" : `; ${finished.completionPerSecond} jobs/s shipped`}`);
}

function ms(value: number | null): string {
  if (value === null) return "-";
  return value >= 10_000 ? `${round(value / 1000, 2)} s` : `${Math.round(value)} ms`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
