import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { JobDoc } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { positiveInteger, positiveNumber } from "../durations.js";
import { usageError } from "../exit-codes.js";
import { parseJobFile, splitList } from "../front-matter.js";
import { paintStage, printJson } from "../output.js";

interface SubmitOptions {
  key?: string;
  title?: string;
  priority?: string;
  capabilities?: string;
  deps?: string;
  depsMode?: string;
  persona?: string;
  repo?: string;
  baseBranch?: string;
  budgetUsd?: string;
  budgetTokens?: string;
  wallSeconds?: string;
}

export function registerSubmit(jobs: Command, io: CliIo): void {
  jobs
    .command("submit")
    .description("Submit a job from a markdown file with YAML front-matter ('-' reads stdin); flags override the front-matter")
    .argument("<file>", "FILE.md, or - for stdin")
    .option("--key <idempotencyKey>", "idempotency key (resubmitting the same key is idempotent)")
    .option("--title <text>", "title")
    .option("--priority <level>", "low, medium, high or critical")
    .option("--capabilities <list>", "capabilities the job needs, comma-separated (e.g. lang:ts,os:linux)")
    .option("--deps <keys>", "idempotency keys of jobs this one waits for, comma-separated")
    .option("--deps-mode <mode>", "hard (wait for shipped) or soft (wait for testing)")
    .option("--persona <name>", "persona")
    .option("--repo <repo>", "repository: owner/name or a clone URL")
    .option("--base-branch <branch>", "branch to start from")
    .option("--budget-usd <usd>", "spending limit in USD")
    .option("--budget-tokens <n>", "token limit")
    .option("--wall-seconds <n>", "wall-clock limit in seconds")
    .addHelpText(
      "after",
      `
Front-matter keys: key (or idempotencyKey), title, priority, capabilities, deps, depsMode, persona,
repo, baseBranch, budget { usd, tokens, wallSeconds }, retry { max, backoffSeconds, backoffMaxSeconds }.

Example (build-api.md):
  ---
  key: build-api
  title: Build the API
  priority: high
  capabilities: [lang:ts]
  deps: [schema]
  ---
  # Build the API
  Add the /orders routes.

  fleet jobs submit build-api.md`,
    )
    .action(async (file: string, options: SubmitOptions, command: Command) => {
      const ctx = contextOf(command, io);
      const text = file === "-" ? await readStdin(io.stdin) : await readJobFile(file);
      const { fields, bodyMd } = parseJobFile(text, file === "-" ? "stdin" : file);
      const flags = flagFields(options);
      const body: Record<string, unknown> = { ...fields, ...flags, bodyMd };
      // Budget flags refine the front-matter's budget rather than replace it.
      if (isRecord(fields.budget) && isRecord(flags.budget)) body.budget = { ...fields.budget, ...flags.budget };
      if (bodyMd === "") throw usageError(`${file === "-" ? "stdin" : file} has no markdown after its front-matter`, "write what the job should do below the closing '---'");
      const result = await ctx.client.post<{ outcome: string; job: JobDoc; children: { id: string; idempotencyKey: string; stage: string }[] }>("/fleet/jobs", body);
      if (ctx.output.json) return printJson(ctx.output, result);
      ctx.output.out(`${result.outcome} ${result.job.id} (${result.job.idempotencyKey}) ${paintStage(ctx.output, result.job.stage)}`);
      for (const child of result.children) ctx.output.out(`  child ${child.id} (${child.idempotencyKey}) ${paintStage(ctx.output, child.stage)}`);
    });
}

function flagFields(options: SubmitOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (options.key !== undefined) fields.idempotencyKey = options.key;
  if (options.title !== undefined) fields.title = options.title;
  if (options.priority !== undefined) fields.priority = options.priority;
  if (options.capabilities !== undefined) fields.capabilities = splitList(options.capabilities);
  if (options.deps !== undefined) fields.deps = splitList(options.deps);
  if (options.depsMode !== undefined) fields.depsMode = options.depsMode;
  if (options.persona !== undefined) fields.persona = options.persona;
  if (options.repo !== undefined) fields.repo = options.repo;
  if (options.baseBranch !== undefined) fields.baseBranch = options.baseBranch;
  const budget: Record<string, number> = {};
  if (options.budgetUsd !== undefined) budget.usd = positiveNumber(options.budgetUsd, "--budget-usd");
  if (options.budgetTokens !== undefined) budget.tokens = positiveInteger(options.budgetTokens, "--budget-tokens");
  if (options.wallSeconds !== undefined) budget.wallSeconds = positiveInteger(options.wallSeconds, "--wall-seconds");
  if (Object.keys(budget).length > 0) fields.budget = budget;
  return fields;
}

async function readJobFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`, "give the path of a markdown file, or - to read stdin");
  }
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
