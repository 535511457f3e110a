import type { Command } from "commander";
import type { JobDoc, WhyAnswer } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { bold, paintStage, printJson, renderTable } from "../output.js";

interface DagNode {
  id: string;
  key: string;
  stage: string;
  kind: string;
  deps: string[];
  children: string[];
}

interface Explanation {
  jobId: string;
  stage: string;
  chosenPool: string | null;
  weights?: { weights?: Record<string, number> };
  pools: { pool: string; eligible: boolean; hasHeadroom: boolean; exclusions: { reason: string; missing?: string[]; inFlight?: number; capacity?: number }[]; score: { total: number; terms: Record<string, number> } | null; chosen: boolean }[];
}

const iso = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());

export function registerInspect(jobs: Command, io: CliIo): void {
  jobs
    .command("get")
    .description("Show one job: its stage, lease, runs and latest events")
    .argument("<id>", "job id (j-...)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const job = await ctx.client.get<JobDoc>(`/fleet/jobs/${encodeURIComponent(id)}`);
      if (ctx.output.json) return printJson(ctx.output, job);
      const out = ctx.output;
      const rows: [string, string][] = [
        ["id", job.id],
        ["key", job.idempotencyKey],
        ["title", job.title ?? "-"],
        ["stage", `${paintStage(out, job.stage)}${job.stageReason === undefined ? "" : ` (${job.stageReason})`}`],
        ["priority", job.priority],
        ["capabilities", job.capabilities.join(", ") || "-"],
        ["deps", job.deps.join(", ") || "-"],
        ["epoch", String(job.leaseEpoch)],
        ["attempts", `${job.attempts} (retries ${job.retries} of ${job.retry.max})`],
        ["pool", job.lease?.pool ?? job.runs.at(-1)?.pool ?? "-"],
        ["factory", job.lease?.factoryId ?? "-"],
        ["created", iso(job.createdAt)],
        ["updated", iso(job.updatedAt)],
      ];
      if (job.repo !== undefined) rows.push(["repo", `${job.repo}${job.baseBranch === undefined ? "" : ` (${job.baseBranch})`}`]);
      if (job.deadLetter !== undefined) rows.push(["dead letter", `${job.deadLetter.reason} (${job.deadLetter.source})`]);
      const review = reviewLine(job);
      if (review !== undefined) rows.push(["review", review]);
      const width = Math.max(...rows.map(([label]) => label.length));
      for (const [label, value] of rows) out.out(`${label.padEnd(width)}  ${value}`);
      if (job.runs.length > 0) {
        out.out(`\n${bold(out, "runs")}`);
        out.out(renderTable(["ATTEMPT", "EPOCH", "POOL", "FACTORY", "RESULT", "STARTED", "ENDED"], job.runs.map((run) => [String(run.attempt), String(run.epoch), run.pool, run.factoryId, run.result, iso(run.startedAt), iso(run.endedAt)])));
        for (const run of job.runs) {
          const delivered = [run.branch, run.commit?.slice(0, 12), run.prUrl].filter((part) => part !== undefined);
          if (delivered.length > 0) out.out(`  epoch ${run.epoch} delivered ${delivered.join("  ")}`);
        }
      }
      out.out(`\n${bold(out, "latest events")}`);
      for (const event of job.events.slice(-8)) out.out(`  ${iso(event.at)}  #${event.seq} ${event.type} (${event.actor}, epoch ${event.epoch})`);
    });

  jobs
    .command("why")
    .description("Why the job is where it is: one sentence and the facts behind it")
    .argument("<id>", "job id (j-...)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const answer = await ctx.client.get<WhyAnswer>(`/fleet/jobs/${encodeURIComponent(id)}/why`);
      if (ctx.output.json) return printJson(ctx.output, answer);
      ctx.output.out(`${answer.idempotencyKey} (${answer.jobId}) is ${paintStage(ctx.output, answer.stage)}: ${answer.summary}`);
      for (const [index, reason] of answer.reasons.entries()) {
        if (index > 0) ctx.output.out(`also: ${reason.message}`);
        for (const line of factLines(reason.facts)) ctx.output.out(`  ${line}`);
      }
    });

  jobs
    .command("explain")
    .description("Every term of the job's score and each pool's eligibility")
    .argument("<id>", "job id (j-...)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const explanation = await ctx.client.get<Explanation>(`/fleet/jobs/${encodeURIComponent(id)}/explain`);
      if (ctx.output.json) return printJson(ctx.output, explanation);
      ctx.output.out(`${explanation.jobId} is ${paintStage(ctx.output, explanation.stage)}; chosen pool: ${explanation.chosenPool ?? "none now"}`);
      const rows = explanation.pools.map((pool) => [
        pool.pool,
        pool.eligible ? "yes" : "no",
        pool.hasHeadroom ? "yes" : "no",
        pool.score === null ? "-" : pool.score.total.toFixed(2),
        pool.score === null ? "-" : Object.entries(pool.score.terms).map(([term, value]) => `${term} ${value.toFixed(2)}`).join(", "),
        pool.exclusions.map((e) => (e.reason === "missing-capabilities" ? `missing ${e.missing?.join(", ")}` : e.reason === "no-headroom" ? `full ${e.inFlight}/${e.capacity}` : e.reason)).join("; ") || "-",
      ]);
      ctx.output.out(renderTable(["POOL", "ELIGIBLE", "HEADROOM", "SCORE", "TERMS", "EXCLUDED BY"], rows));
    });

  jobs
    .command("dag")
    .description("The job's children and dependencies as an indented tree")
    .argument("<id>", "job id (j-...)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const dag = await ctx.client.get<{ root: string; nodes: DagNode[] }>(`/fleet/jobs/${encodeURIComponent(id)}/dag`);
      if (ctx.output.json) return printJson(ctx.output, dag);
      const nodes = new Map(dag.nodes.map((node) => [node.id, node]));
      const label = (node: DagNode | undefined, nodeId: string) =>
        node === undefined ? `${nodeId} (not found)` : `${node.key} ${paintStage(ctx.output, node.stage)}${node.kind === "composite" ? " composite" : ""}  ${node.id}`;
      const lines: string[] = [label(nodes.get(dag.root), dag.root)];
      const walk = (nodeId: string, prefix: string, seen: Set<string>) => {
        const node = nodes.get(nodeId);
        if (node === undefined) return;
        const edges = [
          ...node.children.map((child) => ({ id: child, how: "" })),
          ...node.deps.filter((dep) => !node.children.includes(dep)).map((dep) => ({ id: dep, how: "needs " })),
        ];
        edges.forEach((edge, index) => {
          const last = index === edges.length - 1;
          const repeat = seen.has(edge.id);
          lines.push(`${prefix}${last ? "└── " : "├── "}${edge.how}${label(nodes.get(edge.id), edge.id)}${repeat ? " (shown above)" : ""}`);
          if (!repeat) walk(edge.id, `${prefix}${last ? "    " : "│   "}`, new Set([...seen, edge.id]));
        });
      };
      walk(dag.root, "", new Set([dag.root]));
      ctx.output.out(lines.join("\n"));
    });
}

/** "round 1 awaiting, 1 decision, last op-alice approve": the stage reason says the count (the server's words). */
function reviewLine(job: JobDoc): string | undefined {
  const review = job.review;
  if (review === undefined) {
    const own = job.reviewPolicy;
    return own?.approvals === undefined || own.approvals === 0 ? undefined : `needs ${own.approvals} approval${own.approvals === 1 ? "" : "s"} when it passes`;
  }
  const last = review.decisions.at(-1);
  const decisions = `${review.decisions.length} decision${review.decisions.length === 1 ? "" : "s"}`;
  return `round ${review.round} ${review.state.replace(/_/g, " ")}, ${decisions}${last === undefined ? "" : `, last ${last.reviewer} ${last.verdict.replace(/_/g, " ")}`} (fleet jobs review ${job.id})`;
}

/** Facts as "name: value" lines; lists of objects as one indented line per item. */
export function factLines(facts: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(facts)) {
    if (Array.isArray(value) && value.some((item) => typeof item === "object" && item !== null)) {
      lines.push(`${name}:`);
      for (const item of value) lines.push(`  - ${Object.entries(item as Record<string, unknown>).map(([k, v]) => `${k} ${format(v)}`).join(", ")}`);
    } else lines.push(`${name}: ${format(value)}`);
  }
  return lines;
}

function format(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.map(format).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
