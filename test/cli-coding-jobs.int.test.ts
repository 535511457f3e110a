import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attemptLogKey, type JobDoc, type ReviewView } from "../contracts/index.js";
import { MemoryArtifactStore } from "../artifacts/memory/memory-artifact-store.js";
import { type CliHarness, startCliHarness } from "./support/cli-harness.js";

/** The review gate and artifacts through the real `fleet` command, against a real coordinator. */
describe("fleet: reviews, logs and artifacts", () => {
  let h: CliHarness;
  let dir: string;
  const bytes = new MemoryArtifactStore();
  beforeAll(async () => {
    h = await startCliHarness({ artifacts: { store: bytes, retentionDays: 7 } });
    dir = await mkdtemp(join(tmpdir(), "fleet-cli-"));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const json = <T>(text: string) => JSON.parse(text) as T;
  const submit = async (key: string, extra: string[] = []) => {
    const run = await h.fleet(["jobs", "submit", "-", "--key", key, "--json", ...extra], { stdin: `# ${key}\nDo it.` });
    expect(run.code, run.stderr).toBe(0);
    return json<{ job: JobDoc }>(run.stdout).job;
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const stageOf = async (id: string) => json<JobDoc>((await h.fleet(["jobs", "get", id, "--json"])).stdout).stage;

  it("holds a job at review under the product's policy, shows the gate, and ships it on approval", async () => {
    const set = await h.fleet(["review-policy", "set", "acme", "--approvals", "1"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("acme: 1 approval from any reviewer, autoship on");
    const job = await submit("cli-gated");
    await until("the job to be assigned and passed", async () => (await h.shipAssigned()) > 0 && (await stageOf(job.id)) === "review");
    const shown = await h.fleet(["jobs", "review", job.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("round      1: awaiting, 0 of 1 approvals");
    expect((await h.fleet(["jobs", "get", job.id])).stdout).toMatch(/review\s+round 1 awaiting, 0 decisions/);
    const bare = await h.fleet(["jobs", "review", job.id, "--reject"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("--reject needs --comment");
    const refused = await h.fleet(["jobs", "ship", job.id]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("awaits its reviewers");
    const approved = await h.fleet(["jobs", "review", job.id, "--approve", "--comment", "reads well"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain("is now shipped: approved by op-acme");
    const after = json<ReviewView>((await h.fleet(["jobs", "review", job.id, "--json"])).stdout);
    expect(after.round).toMatchObject({ state: "approved", decisions: [{ reviewer: "op-acme", verdict: "approve", comment: "reads well" }] });
    expect((await h.fleet(["jobs", "review", job.id, "--approve"])).code).toBe(4);
    expect((await h.fleet(["review-policy", "set", "acme", "--approvals", "default"])).stdout).toContain("no approvals needed");
  });

  it("prints an attempt's log and lists, downloads and deletes its artifacts", async () => {
    const job = await submit("cli-logs");
    await until("the job to ship", async () => {
      const current = json<JobDoc>((await h.fleet(["jobs", "get", job.id, "--json"])).stdout);
      if (current.stage === "assigned") {
        await bytes.append(attemptLogKey("acme", job.id, current.leaseEpoch), Buffer.from("[fleet] stage building\nall good\n"));
        await h.shipAssigned();
      }
      return current.stage === "shipped";
    });
    const log = await h.fleet(["jobs", "log", job.id]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toBe("[fleet] stage building\nall good\n");
    const listed = await h.fleet(["jobs", "artifacts", job.id]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/ARTIFACT\s+EPOCH\s+NAME\s+KIND\s+STATE/);
    expect(listed.stdout).toContain("attempt.log  log   available");
    expect(listed.stdout).toContain("kept 7 days");
    const id = `${job.id}:${json<JobDoc>((await h.fleet(["jobs", "get", job.id, "--json"])).stdout).leaseEpoch}:log`;
    const got = await h.fleet(["artifacts", "get", id, "--output", join(dir, "attempt.log")]);
    expect(got.code, got.stderr).toBe(0);
    expect(await readFile(join(dir, "attempt.log"), "utf8")).toBe("[fleet] stage building\nall good\n");
    expect((await h.fleet(["artifacts", "rm", id])).code).toBe(2);
    const removed = await h.fleet(["artifacts", "rm", id, "--yes"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("is deleted, by op-acme");
    const gone = await h.fleet(["artifacts", "get", id]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain("was deleted by op-acme");
  });
});
