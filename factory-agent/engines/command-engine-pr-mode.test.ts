import { execFileSync } from "node:child_process";
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { CommandEngine } from "./command-engine.js";
import { FakeEngineContext } from "./fake-engine-context.js";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@x", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@x" } }).trim();

/**
 * PR mode against a local bare repository (`git init --bare` in a temporary folder) with a fake
 * `gh` on PATH that records its arguments and prints a pull request URL. Nothing leaves the machine.
 */
describe("the command engine in PR mode", () => {
  let root: string;
  let origin: string;
  let workDir: string;
  let savedPath: string | undefined;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "pr-mode-"));
    origin = join(root, "origin", "acme", "api.git");
    workDir = join(root, "work");
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
    await writeFile(join(bin, "gh"), `#!/bin/sh\necho "$@" > "${join(root, "gh-args")}"\necho "Creating pull request"\necho "https://git.example/acme/api/pull/7"\n`);
    await chmod(join(bin, "gh"), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ""}`;
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await rm(root, { recursive: true, force: true });
  });

  const job = (overrides: Partial<JobDoc> = {}) =>
    queuedJob({ idempotencyKey: "build-api", title: "Build the API", repo: "acme/api", baseBranch: "main", stage: "building", leaseEpoch: 1, attempts: 1, ...overrides });
  const engine = (command: string, input: "stdin" | "file" = "stdin") => new CommandEngine({ command, input, gitBaseUrl: join(root, "origin") });
  const branchFile = (branch: string, file: string) => git(origin, "show", `refs/heads/${branch}:${file}`);
  /** Until the CLI of the attempt has written `file` in its clone (it runs; it did its work so far). */
  const written = async (epoch: number, file: string) => {
    const path = join(workDir, job().id, String(epoch), "repo", file);
    for (let i = 0; i < 200; i++) {
      if (await access(path).then(() => true, () => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${path} never appeared`);
  };

  it("runs in a clone on the attempt's branch, commits, pushes and opens the pull request", async () => {
    const context = new FakeEngineContext({ workDir });
    const outcome = await engine('test "$(git branch --show-current)" = "$FLEET_BRANCH" && echo "orders" > orders.ts && cat "$FLEET_JOB_FILE" > body-seen.txt', "file").run(job(), context);
    expect(outcome.kind, JSON.stringify(outcome)).toBe("shipped");
    const deliverable = outcome.kind === "shipped" ? outcome.deliverable : undefined;
    expect(deliverable).toEqual({ branch: "fleet/build-api/1", commit: git(origin, "rev-parse", "refs/heads/fleet/build-api/1"), prUrl: "https://git.example/acme/api/pull/7" });
    expect(branchFile("fleet/build-api/1", "orders.ts")).toBe("orders");
    expect(branchFile("fleet/build-api/1", "body-seen.txt")).toBe("do it");
    // JOB.md stays outside the clone: it is the job, not the work.
    expect(() => branchFile("fleet/build-api/1", "JOB.md")).toThrow();
    expect(git(origin, "log", "--format=%s", "-1", "refs/heads/fleet/build-api/1")).toBe("Build the API");
    expect(await readFile(join(root, "gh-args"), "utf8")).toContain("pr create --head fleet/build-api/1 --base main --title Build the API");
    expect(context.logText()).toContain("[fleet] pushed fleet/build-api/1");
  });

  it("takes the pull request and the branch the CLI reports, and ignores a malformed line", async () => {
    const outcome = await engine('echo x > x.txt; echo "FLEET_PR_URL=https://git.example/acme/api/pull/99"; echo "FLEET_COMMIT=not-hex"').run(job(), new FakeEngineContext({ workDir }));
    expect(outcome.kind === "shipped" ? outcome.deliverable : undefined).toMatchObject({ branch: "fleet/build-api/1", prUrl: "https://git.example/acme/api/pull/99" });
    expect(outcome.kind === "shipped" ? outcome.deliverable?.commit : undefined).toMatch(/^[0-9a-f]{40}$/);
    await expect(readFile(join(root, "gh-args"), "utf8")).rejects.toThrow();
    const bare = await new CommandEngine({ command: 'echo "FLEET_PR_URL=https://git.example/x/y/pull/1"', input: "stdin" }).run(queuedJob({ leaseEpoch: 1 }), new FakeEngineContext({ workDir }));
    expect(bare).toMatchObject({ kind: "shipped", deliverable: { prUrl: "https://git.example/x/y/pull/1" } });
  });

  it("pushes nothing when the CLI changed nothing", async () => {
    const outcome = await engine("true").run(job(), new FakeEngineContext({ workDir }));
    expect(outcome).toMatchObject({ kind: "shipped", deliverable: { commit: git(origin, "rev-parse", "refs/heads/main") } });
    expect(git(origin, "branch", "--list", "fleet/*")).toBe("");
  });

  it("checkpoints a drained attempt as a pushed WIP branch, and the next attempt resumes from it", async () => {
    const context = new FakeEngineContext({ workDir });
    const first = engine('echo "half done" > progress.txt; git add progress.txt; git commit -qm "first half"; echo "uncommitted" > notes.txt; sleep 30');
    const running = first.run(job(), context);
    await written(1, "notes.txt");
    context.cancel("drain");
    expect(await running).toMatchObject({ kind: "retryable", message: "drained" });
    const checkpoint = await first.checkpoint(job());
    expect(checkpoint).toEqual({ ref: "fleet/build-api/1", commit: git(origin, "rev-parse", "refs/heads/fleet/build-api/1"), base: "main", note: "work in progress of attempt 1" });
    expect(branchFile("fleet/build-api/1", "progress.txt")).toBe("half done");
    expect(branchFile("fleet/build-api/1", "notes.txt")).toBe("uncommitted");
    expect(git(origin, "log", "--format=%s", "-1", "refs/heads/fleet/build-api/1")).toContain("WIP: Build the API (attempt 1");

    // Epoch 2 (a new engine: another container) resumes from the checkpoint's branch.
    const second = await engine('cat progress.txt notes.txt > done.txt && test "$FLEET_CHECKPOINT_REF" = fleet/build-api/1').run(job({ leaseEpoch: 2, attempts: 2, checkpoint: checkpoint! }), new FakeEngineContext({ workDir }));
    expect(second.kind, JSON.stringify(second)).toBe("shipped");
    expect(branchFile("fleet/build-api/2", "done.txt")).toBe("half done\nuncommitted");
    expect(git(origin, "merge-base", "--is-ancestor", "refs/heads/fleet/build-api/1", "refs/heads/fleet/build-api/2")).toBe("");
  });

  it("keeps the checkpoint it started from when a drained attempt did nothing new", async () => {
    const context = new FakeEngineContext({ workDir });
    const drained = engine("touch started && sleep 30");
    const running = drained.run(job({ checkpoint: { ref: "fleet/build-api/0", note: "gone" } }), context);
    await written(1, "started");
    await rm(join(workDir, job().id, "1", "repo", "started"));
    context.cancel("drain");
    await running;
    expect(context.logText()).toContain("checkpoint branch fleet/build-api/0 is not on the remote");
    expect(await drained.checkpoint(job({ checkpoint: { ref: "fleet/build-api/0", note: "gone" } }))).toEqual({ ref: "fleet/build-api/0", note: "gone" });
    expect(git(origin, "branch", "--list", "fleet/*")).toBe("");
  });

  it("fails for good on a base branch the repository lacks, and retryably when it cannot clone", async () => {
    expect(await engine("true").run(job({ baseBranch: "release/9" }), new FakeEngineContext({ workDir }))).toMatchObject({
      kind: "non_retryable",
      message: expect.stringContaining("base branch 'release/9' is not in"),
    });
    expect(await engine("true").run(job({ repo: "acme/missing" }), new FakeEngineContext({ workDir }))).toMatchObject({ kind: "retryable", message: expect.stringContaining("cannot clone") });
  });

  it("hands the next attempt the comments of the review that sent it back", async () => {
    const reviewed = job({
      leaseEpoch: 3,
      review: {
        state: "changes_requested",
        round: 1,
        epoch: 1,
        policy: { approvals: 1, roles: [], autoship: true },
        openedAt: 1,
        openedBy: "coordinator",
        decisions: [{ reviewer: "op-alice", roles: [], verdict: "request_changes", comment: "rename the route", at: 2 }],
      },
    });
    const outcome = await engine('echo "$FLEET_REVIEW_FEEDBACK" > feedback.txt').run(reviewed, new FakeEngineContext({ workDir }));
    expect(outcome.kind).toBe("shipped");
    expect(branchFile("fleet/build-api/3", "feedback.txt")).toBe("op-alice: rename the route");
  });
});
