import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram, commandPaths } from "../cli/program.js";
import type { CliIo } from "../cli/context.js";
import type { JobDoc } from "../contracts/index.js";
import { type CliHarness, startCliHarness } from "./support/cli-harness.js";

const JOB_FILE = `---
key: cli-build-api
title: Build the API
priority: high
capabilities: [lang:ts]
repo: acme/api
baseBranch: main
budget:
  usd: 5
---
# Build the API
Add the /orders routes.
`;

/** The real `fleet` command, run as a child process against a real coordinator. */
describe("the fleet CLI", () => {
  let h: CliHarness;
  let dir: string;
  beforeAll(async () => {
    h = await startCliHarness();
    dir = await mkdtemp(join(tmpdir(), "fleet-cli-"));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const json = <T>(stdout: string) => JSON.parse(stdout) as T;
  const submitKey = async (key: string, extra: string[] = []) => {
    const run = await h.fleet(["jobs", "submit", "-", "--key", key, "--capabilities", "lang:ts", "--json", ...extra], { stdin: `# ${key}\nDo it.` });
    expect(run.code, run.stderr).toBe(0);
    return json<{ job: JobDoc }>(run.stdout).job;
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it("prints help for every command and subcommand, exit 0", async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, stdin: process.stdin, now: Date.now, sleep: async () => undefined, signal: new AbortController().signal } as unknown as CliIo;
    const paths = commandPaths(buildProgram(io));
    expect(paths.length).toBeGreaterThanOrEqual(20);
    const queue = [...paths];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
          const run = await h.fleet([...path, "--help"]);
          if (run.code !== 0 || !run.stdout.includes(`Usage: fleet${path.length === 0 ? "" : ` ${path.join(" ")}`}`)) failures.push(`${path.join(" ")}: ${run.code} ${run.stderr}`);
        }
      }),
    );
    expect(failures).toEqual([]);
    const root = await h.fleet(["--help"]);
    expect(root.stdout).toContain("Exit codes:");
    expect(root.stdout).toContain("3  not found");
  });

  it("submits from a front-matter file, flags overriding it, and gets the job", async () => {
    const file = join(dir, "build-api.md");
    await writeFile(file, JOB_FILE);
    const run = await h.fleet(["jobs", "submit", file, "--priority", "critical"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^created j-[0-9a-f]{32} \(cli-build-api\) queued/);
    const id = /j-[0-9a-f]{32}/.exec(run.stdout)![0];
    const got = await h.fleet(["jobs", "get", id, "--json"]);
    expect(json<JobDoc>(got.stdout)).toMatchObject({ idempotencyKey: "cli-build-api", title: "Build the API", priority: "critical", capabilities: ["lang:ts"], repo: "acme/api", baseBranch: "main", budget: { usd: 5 } });
    expect(json<JobDoc>(got.stdout).bodyMd).toBe("# Build the API\nAdd the /orders routes.");
    const human = await h.fleet(["jobs", "get", id]);
    expect(human.stdout).toMatch(/key\s+cli-build-api/);
    const again = await h.fleet(["jobs", "submit", file, "--priority", "critical"]);
    expect(again.stdout).toMatch(/^existing /);
  });

  it("lists with filters as a table and as JSON", async () => {
    await submitKey("ls-a", ["--title", "Alpha report", "--priority", "low"]);
    await submitKey("ls-b", ["--title", "Beta", "--priority", "high"]);
    const table = await h.fleet(["jobs", "ls", "--key-prefix", "ls-"]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+KEY\s+STAGE\s+PRIORITY\s+POOL/);
    expect(lines[1]).toContain("ls-b");
    expect(lines[2]).toContain("ls-a");
    expect(lines.at(-1)).toMatch(/^totals: active /);
    const filtered = await h.fleet(["jobs", "ls", "--key-prefix", "ls-", "--priority", "low", "-q", "alpha", "--json"]);
    const page = json<{ items: { idempotencyKey: string }[]; totals: unknown }>(filtered.stdout);
    expect(page.items.map((item) => item.idempotencyKey)).toEqual(["ls-a"]);
    expect(page.totals).toBeDefined();
    const sorted = await h.fleet(["jobs", "ls", "--key-prefix", "ls-", "--sort", "-priority", "--limit", "1", "--all", "--json"]);
    expect(json<{ items: { idempotencyKey: string }[] }>(sorted.stdout).items.map((item) => item.idempotencyKey)).toEqual(["ls-b", "ls-a"]);
  });

  it("explains why a job waits, and draws its graph", async () => {
    const base = await submitKey("dag-base");
    const top = await submitKey("dag-top", ["--deps", "dag-base"]);
    const why = await h.fleet(["jobs", "why", top.id]);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toContain("dag-top");
    expect(why.stdout).toContain("is blocked: waiting for 1 of 1 dependencies to reach shipped: dag-base");
    const whyJson = json<{ reasons: { code: string }[] }>((await h.fleet(["jobs", "why", top.id, "--json"])).stdout);
    expect(whyJson.reasons[0]!.code).toBe("deps_unmet");
    const dag = await h.fleet(["jobs", "dag", top.id]);
    expect(dag.stdout.split("\n")[0]).toContain("dag-top");
    expect(dag.stdout).toContain(`└── needs dag-base`);
    expect(dag.stdout).toContain(base.id);
    const explain = await h.fleet(["jobs", "explain", base.id]);
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/POOL\s+ELIGIBLE/);
  });

  it("acts on jobs, with exit 4 for a conflict, 3 for a missing job and 2 for bad usage", async () => {
    const job = await submitKey("act-a");
    const cancel = await h.fleet(["jobs", "cancel", job.id, "--reason", "not needed"]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain("is now cancelled");
    const again = await h.fleet(["jobs", "cancel", job.id]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("ILLEGAL_TRANSITION");
    expect(again.stderr).toMatch(/^next: /m);
    const requeue = await h.fleet(["jobs", "requeue", job.id, "--json"]);
    expect(json<JobDoc>(requeue.stdout).stage).not.toBe("cancelled");
    expect((await h.fleet(["jobs", "ship", job.id])).code).toBe(0);
    expect((await h.fleet(["jobs", "ship", job.id])).code).toBe(0);
    const missing = await h.fleet(["jobs", "get", "j-00000000000000000000000000000000"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("not found");
    const badLimit = await h.fleet(["jobs", "ls", "--limit", "0"]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain("--limit must be a whole number from 1 to 500");
    const unknown = await h.fleet(["jobs", "ls", "--colour", "blue"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--colour");
    const badPriority = await h.fleet(["jobs", "submit", "-", "--priority", "urgent"], { stdin: "# x\nDo it." });
    expect(badPriority.code).toBe(2);
    expect(badPriority.stderr).toContain("priority must be one of low, medium, high, critical");
    const noFile = await h.fleet(["jobs", "submit", join(dir, "missing.md")]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("no such file");
    const noSubcommand = await h.fleet(["jobs"]);
    expect(noSubcommand.code).toBe(2);
  });

  it("replays dead letters in bulk only after a dry run or with --yes", async () => {
    const submitted = await h.fleet(["jobs", "submit", "-", "--json"], { stdin: "---\nkey: dlq-a\ncapabilities: lang:ts\nretry: { max: 0 }\n---\n# dlq-a\nFails once.\n" });
    expect(submitted.code, submitted.stderr).toBe(0);
    const job = json<{ job: JobDoc }>(submitted.stdout).job;
    expect(job.retry.max).toBe(0);
    await until("assignment", async () => (await h.process.coordinator.getJob(undefined, job.id)).stage === "assigned");
    const assigned = await h.process.coordinator.getJob(undefined, job.id);
    const factory = { kind: "factory" as const, credentialId: "pool-general", productId: "*", pool: assigned.lease!.pool, factoryId: "f-dlq" };
    await h.process.coordinator.accept(factory, job.id, assigned.leaseEpoch);
    await h.process.coordinator.release(factory, job.id, { leaseEpoch: assigned.leaseEpoch, outcome: "retryable", message: "boom" });
    expect((await h.process.coordinator.getJob(undefined, job.id)).stage).toBe("dead_letter");
    const ls = await h.fleet(["dlq", "ls"]);
    expect(ls.stdout).toContain("dlq-a");
    const refused = await h.fleet(["dlq", "replay", "--reason", "RetriesExhausted"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--dry-run first");
    const dry = await h.fleet(["dlq", "replay", "--reason", "RetriesExhausted", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("dry run: 1 dead letter would be replayed; nothing changed");
    expect((await h.process.coordinator.getJob(undefined, job.id)).stage).toBe("dead_letter");
    const yes = await h.fleet(["dlq", "replay", "--reason", "RetriesExhausted", "--yes"]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toContain("replayed 1 of 1");
    expect((await h.process.coordinator.getJob(undefined, job.id)).stage).not.toBe("dead_letter");
    const notDead = await h.fleet(["dlq", "discard", job.id]);
    expect(notDead.code).toBe(4);
  });

  it("watches a job until it ships, polling when there is no event stream", async () => {
    const job = await submitKey("watch-a");
    const shipping = setInterval(() => void h.shipAssigned().catch(() => undefined), 100);
    try {
      const run = await h.fleet(["jobs", "watch", job.id, "--json", "--interval", "100"]);
      expect(run.code, run.stderr).toBe(0);
      const events = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { seq: number; type: string; at: string });
      expect(events.map((event) => event.type)).toEqual(["submitted", "assigned", "accepted", "shipped"]);
      expect(events.map((event) => event.seq)).toEqual([0, 1, 2, 3]);
      expect(events[0]!.at).toMatch(/Z$/);
      // Once it finished, a watch prints the whole timeline and ends at once.
      const finished = await h.fleet(["jobs", "watch", job.id]);
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.stdout.trim().split("\n")).toHaveLength(4);
      expect(finished.stderr).toContain("finished: shipped");
    } finally {
      clearInterval(shipping);
    }
  });

  it("shows pools as a table and as one JSON line per refresh", async () => {
    const ls = await h.fleet(["pools", "ls"]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^POOL\s+CAPACITY\s+IN FLIGHT\s+AWAITING ACCEPT\s+READY/);
    expect(ls.stdout).toMatch(/general\s+50\s+/);
    const watch = await h.fleet(["pools", "watch", "--json", "--count", "2", "--interval", "50"]);
    expect(watch.code, watch.stderr).toBe(0);
    const lines = watch.stdout.trim().split("\n").map((line) => JSON.parse(line) as { at: string; items: { name: string }[] });
    expect(lines).toHaveLength(2);
    expect(lines[0]!.items.map((pool) => pool.name)).toEqual(["general", "gpu"]);
  });

  it("load-tests: submits N jobs at a rate and reports throughput and latency, then waits for them", async () => {
    const shipping = setInterval(() => void h.shipAssigned().catch(() => undefined), 100);
    try {
      const run = await h.fleet(["load", "--jobs", "20", "--rate", "100", "--concurrency", "4", "--capabilities", "lang:ts", "--prefix", "load-t", "--wait", "--timeout", "30"], { timeoutMs: 40_000 });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/submitted 20 jobs in [\d.]+ s: [\d.]+ jobs\/s \(target 100\/s\); 0 failed/);
      expect(run.stdout).toMatch(/submit latency: p50 \d+ ms, p99 \d+ ms/);
      expect(run.stdout).toMatch(/finished 20 of 20: shipped 20/);
      expect(run.stdout).toMatch(/submit to shipped: p50 \d+ ms, p99 \d+ ms/);
      const report = await h.fleet(["load", "--jobs", "5", "--rate", "50", "--capabilities", "lang:ts", "--prefix", "load-j", "--json"]);
      expect(json<{ submitted: number; submitLatencyMs: { p50: number } }>(report.stdout)).toMatchObject({ submitted: 5 });
    } finally {
      clearInterval(shipping);
    }
    const bad = await h.fleet(["load", "--jobs", "0", "--rate", "10"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--jobs must be a whole number");
    const missing = await h.fleet(["load", "--rate", "10"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--jobs");
  });

  it("load-tests in batches: --bulk sends n jobs per request at the offered rate, and every job lands", async () => {
    const run = await h.fleet(["load", "--jobs", "2500", "--rate", "5000", "--bulk", "500", "--capabilities", "lang:ts", "--prefix", "load-b"], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/submitted 2500 jobs in [\d.]+ s: [\d.]+ jobs\/s \(target 5000\/s\); 0 failed/);
    expect(run.stdout).toMatch(/submit latency: p50 \d+ ms, p99 \d+ ms/);
    const keys = new Set<string>();
    let continuation: string | undefined;
    for (let page = 0; page < 10; page++) {
      const params = new URLSearchParams({ keyPrefix: "load-b-", limit: "500", ...(continuation === undefined ? {} : { continuation }) });
      const listed = (await (await fetch(`${h.url}/fleet/jobs?${params}`, { headers: { authorization: `Bearer ${h.tokens.operator}` } })).json()) as {
        items: { idempotencyKey: string }[];
        continuation?: string;
      };
      for (const item of listed.items) keys.add(item.idempotencyKey);
      continuation = listed.continuation;
      if (continuation === undefined) break;
    }
    expect(keys.size).toBe(2500);
    expect(keys.has("load-b-0") && keys.has("load-b-2499")).toBe(true);
    // A rerun with the same prefix resubmits the same jobs (idempotent by key, even once assigned): nothing fails.
    const again = await h.fleet(["load", "--jobs", "2500", "--rate", "5000", "--bulk", "1000", "--capabilities", "lang:ts", "--prefix", "load-b", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(json<{ submitted: number; failed: number; bulk: number }>(again.stdout)).toMatchObject({ submitted: 2500, failed: 0, bulk: 1000 });
    const bad = await h.fleet(["load", "--jobs", "10", "--rate", "10", "--bulk", "1001"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--bulk must be a whole number from 1 to 1000, not '1001'");
    expect((await h.fleet(["load", "--help"])).stdout).toContain("--bulk <n>");
  }, 90_000);

  it("reads the connection from a profile, and refuses a profile that does not exist", async () => {
    const config = join(dir, "config.json");
    await writeFile(config, JSON.stringify({ default: "other", profiles: { other: { url: "http://127.0.0.1:9" }, local: { url: h.url, token: h.tokens.operator } } }));
    const env = { FLEET_URL: "", FLEET_TOKEN: "", FLEET_CONFIG: config };
    const ok = await h.fleet(["pools", "ls", "--profile", "local", "--json"], { env });
    expect(ok.code, ok.stderr).toBe(0);
    const unreachable = await h.fleet(["pools", "ls"], { env });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach the coordinator at http://127.0.0.1:9");
    const missing = await h.fleet(["pools", "ls", "--profile", "nope"], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no profile 'nope'");
    const unauthenticated = await h.fleet(["pools", "ls", "--token", "op-acme.wrongwrongwrongwrongwrong"]);
    expect(unauthenticated.code).toBe(1);
    expect(unauthenticated.stderr).toContain("next: pass --token, set FLEET_TOKEN");
  });
});
