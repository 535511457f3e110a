import { execFileSync } from "node:child_process";
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactListResponse, JobDoc, LogChunkResponse, Stage, SubmitJobBody } from "../contracts/index.js";
import { createArtifactStore } from "../artifacts/registry.js";
import { type AzuriteProcess, startAzurite } from "../stack/azurite-process.js";
import { type AgentHarness, startAgentHarness } from "./support/agent-harness.js";
import { waitFor } from "./support/dispatch-harness.js";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@x", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@x" } }).trim();
const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Coding jobs end to end with real factory-agent processes (ENGINE=command) on the local stack:
 * the attempt's log streams to Blob Storage (Azurite, through the real SDK) while the job runs and
 * its files are uploaded at release; PR mode works in a clone of a local bare repository, pushes a
 * WIP branch when an agent is drained and resumes from it in the next agent, records branch,
 * commit and the pull request a fake `gh` opened, and the review gate holds the job until a
 * reviewer approves. Nothing reaches the internet.
 */
describe("coding jobs with real agents", () => {
  let azurite: AzuriteProcess;
  let h: AgentHarness | undefined;
  let root: string;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await rm(root, { recursive: true, force: true });
  });

  const body = (key: string, extra: Partial<SubmitJobBody> = {}): SubmitJobBody => ({
    idempotencyKey: key,
    title: `Job ${key}`,
    bodyMd: `# ${key}`,
    persona: "engineer",
    capabilities: ["lang:ts"],
    priority: "medium",
    deps: [],
    depsMode: "hard",
    kind: "leaf",
    ...extra,
  });
  const call = async <T>(method: string, path: string, payload?: unknown): Promise<T> => {
    const response = await fetch(`${h!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h!.operatorToken}`, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text.startsWith("{") ? JSON.parse(text) : text) as T;
  };
  const job = (id: string) => h!.app.coordinator.getJob(undefined, id);
  const waitStage = (id: string, stages: Stage[], ms = 30_000) => waitFor(async () => stages.includes((await job(id)).stage), ms, `job ${id} to reach ${stages.join("/")}`);
  const start = async (container: string) => {
    root = await mkdtemp(join(tmpdir(), "coding-jobs-"));
    const store = createArtifactStore({ kind: "azure-blob", connectionString: azurite.connectionString, container });
    h = await startAgentHarness({}, { artifacts: { store, retentionDays: 30 } });
    return { ARTIFACTS_CONNECTION_STRING: azurite.connectionString, ARTIFACTS_CONTAINER: container, LOG_FLUSH_SECONDS: "1", ENGINE: "command" };
  };

  it("streams the attempt's log to Blob Storage while it runs, and uploads its files at release", async () => {
    const env = await start(`live-${process.pid}`);
    const script = join(root, "steps.sh");
    await writeFile(script, 'echo "step 1"; touch "$STEPS_MARK"; while [ -f "$STEPS_MARK" ]; do sleep 0.1; done; echo "step 2"; echo "done" >&2\n');
    const mark = join(root, "running");
    const { job: submitted } = await h!.app.coordinator.submit("acme", body("live-log"));
    h!.app.loop.kick();
    const agent = h!.startAgent({ ...env, MODE: "one-shot", ENGINE_COMMAND: `sh ${script}`, STEPS_MARK: mark });
    await waitFor(() => exists(mark), 30_000, "the command to start");
    const running = await job(submitted.id);
    const epoch = running.leaseEpoch;
    // Live: the first step is readable while the command still runs (the agent flushes every second).
    let live: LogChunkResponse | undefined;
    await waitFor(
      async () => {
        live = await call<LogChunkResponse>("GET", `/fleet/jobs/${submitted.id}/runs/${epoch}/log`);
        return live.text.includes("step 1");
      },
      10_000,
      "the live log to show step 1",
    );
    expect(live).toMatchObject({ live: true });
    expect(live!.text).toContain(`[fleet] attempt 1 of live-log (${submitted.id}, epoch ${epoch})`);
    expect(live!.text).not.toContain("step 2");
    const during = await call<ArtifactListResponse>("GET", `/fleet/jobs/${submitted.id}/artifacts`);
    expect(during.items).toEqual([expect.objectContaining({ kind: "log", state: "live" })]);
    await rm(mark);
    await waitStage(submitted.id, ["shipped"]);
    expect(await agent.exited).toBe(0);

    const after = await call<LogChunkResponse>("GET", `/fleet/jobs/${submitted.id}/runs/${epoch}/log?offset=${live!.nextOffset}`);
    expect(after.text).toContain("step 2");
    expect(after.text).toContain("[fleet] shipped");
    expect(after.live).toBe(false);
    const listed = await call<ArtifactListResponse>("GET", `/fleet/jobs/${submitted.id}/artifacts`);
    expect(listed.items.map((item) => [item.name, item.kind, item.state])).toEqual([
      ["attempt.log", "log", "available"],
      ["stdout", "file", "available"],
      ["stderr", "file", "available"],
    ]);
    expect(listed.items[0]!.uri).toContain(`/devstoreaccount1/live-${process.pid}/acme/${submitted.id}/${epoch}/attempt.log`);
    expect(await call<string>("GET", listed.items[2]!.download!)).toBe("done\n");
    const whole = await call<string>("GET", listed.items[0]!.download!);
    expect(whole).toContain("step 1\n");
    expect(whole.length).toBe(listed.items[0]!.bytes);
    // A signed link reads the blob straight from Blob Storage (a service SAS here; user delegation with managed identity).
    const link = await call<{ url: string; kind: string }>("GET", `${listed.items[1]!.download!}/link`);
    expect(link.kind).toBe("service");
    expect(await (await fetch(link.url)).text()).toBe("step 1\nstep 2\n");
    const stored = await job(submitted.id);
    expect(JSON.stringify(stored)).not.toContain("step 1");
  }, 60_000);

  it("works on a branch of the job's repository, pushes its work when drained, resumes it in the next agent, and waits for a reviewer", async () => {
    const env = await start(`pr-${process.pid}`);
    const origin = join(root, "origin", "acme", "api.git");
    await mkdir(origin, { recursive: true });
    git(origin, "init", "--quiet", "--bare", "--initial-branch=main");
    const seed = join(root, "seed");
    git(root, "clone", "--quiet", origin, seed);
    await writeFile(join(seed, "README.md"), "# api\n");
    git(seed, "add", "README.md");
    git(seed, "commit", "--quiet", "-m", "initial");
    git(seed, "push", "--quiet", "origin", "HEAD:refs/heads/main");
    const bin = join(root, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "gh"), '#!/bin/sh\necho "https://git.example/acme/api/pull/12"\n');
    await chmod(join(bin, "gh"), 0o755);
    // First attempt: half the work, then it waits (and is drained); the next attempt finishes it.
    const script = join(root, "work.sh");
    const mark = join(root, "half-done");
    await writeFile(script, `if [ -f progress.txt ]; then echo "second half" >> progress.txt; else echo "first half" > progress.txt; touch ${mark}; sleep 60; fi\n`);
    const agentEnv = { ...env, ENGINE_COMMAND: `sh ${script}`, GIT_BASE_URL: join(root, "origin"), PATH: `${bin}:${process.env.PATH ?? ""}` };
    const { job: submitted } = await h!.app.coordinator.submit("acme", body("orders", { repo: "acme/api", baseBranch: "main", review: { approvals: 1 } }));
    h!.app.loop.kick();
    const first = h!.startAgent(agentEnv);
    await waitFor(() => exists(mark), 30_000, "the first attempt to do half the work");
    const epoch1 = (await job(submitted.id)).leaseEpoch;
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const handedBack = await job(submitted.id);
    expect(handedBack.checkpoint).toMatchObject({ ref: `fleet/orders/${epoch1}`, base: "main", commit: git(origin, "rev-parse", `refs/heads/fleet/orders/${epoch1}`) });
    expect(git(origin, "show", `refs/heads/fleet/orders/${epoch1}:progress.txt`)).toBe("first half");
    expect(handedBack.runs[0]).toMatchObject({ result: "drained", artifacts: expect.arrayContaining([expect.objectContaining({ kind: "log" })]) });

    const second = h!.startAgent({ ...agentEnv, MODE: "one-shot" });
    await waitStage(submitted.id, ["review"]);
    expect(await second.exited).toBe(0);
    const reviewed = await job(submitted.id);
    const epoch2 = reviewed.leaseEpoch;
    expect(reviewed.runs.at(-1)).toMatchObject({
      result: "shipped",
      branch: `fleet/orders/${epoch2}`,
      commit: git(origin, "rev-parse", `refs/heads/fleet/orders/${epoch2}`),
      prUrl: "https://git.example/acme/api/pull/12",
    });
    expect(git(origin, "show", `refs/heads/fleet/orders/${epoch2}:progress.txt`)).toBe("first half\nsecond half");
    expect(reviewed.lease).toBeUndefined();
    const approved = await call<JobDoc>("POST", `/fleet/jobs/${submitted.id}/review`, { verdict: "approve", comment: "ship it" });
    expect(approved).toMatchObject({ stage: "shipped", stageReason: "approved by op-acme" });
  }, 60_000);
});
