import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const START = fileURLToPath(new URL("../../stack/start.ts", import.meta.url));

const TOPOLOGY = `topic: assignments
pools:
  - name: general
    capabilities: ["lang:ts"]
    image: factory:test
    seats: 4
    minReplicas: 0
    maxReplicas: 2
    workload: scaledObject
    trigger: external-push
    pollingIntervalSeconds: 1
    cooldownSeconds: 5
    lockDurationSeconds: 10
    acceptTimeoutSeconds: 15
    leaseSeconds: 8
`;

interface Started {
  child: ChildProcess;
  url: string;
  token: string;
  output(): string;
}

/** `npm start` as a user runs it, in its own process group so the whole group can be killed. */
async function npmStart(dataDir: string, topologyFile: string): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", START, "--port", "0", "--scaler-port", "0", "--data-dir", dataDir], {
    env: { ...process.env, TOPOLOGY_FILE: topologyFile, SIM_DURATION_MS: "300", IDLE_TIMEOUT_SECONDS: "30", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  let url = "";
  let token = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up in 90 s:\n${output}`)), 90_000);
    child.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      output += `${line}\n`;
      url = /running on (http:\/\/\S+)/.exec(line)?.[1] ?? url;
      token = /operator token \(product demo\): (\S+)/.exec(line)?.[1] ?? token;
      if (line.startsWith("Ctrl-C stops everything")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, url, token, output: () => output };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  process.kill(-child.pid!, signal);
  return exited;
}

describe("npm start survives kill -9 of the whole process group", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleet-restart-"));
  const topologyFile = join(dir, "fleet.yaml");
  writeFileSync(topologyFile, TOPOLOGY);
  const started: Started[] = [];
  afterAll(async () => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) await killGroup(s.child, "SIGKILL").catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every acknowledged job and its tokens, and finishes every job once", async () => {
    const first = await npmStart(join(dir, "data"), topologyFile);
    started.push(first);
    const acknowledged: string[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${first.url}/fleet/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${first.token}`, "content-type": "application/json" },
        body: JSON.stringify({ idempotencyKey: `restart-${i}`, bodyMd: `# job ${i}`, capabilities: ["lang:ts"] }),
      });
      expect(response.status).toBe(201);
      acknowledged.push(((await response.json()) as { job: { id: string } }).job.id);
    }
    // Let some work start, then kill everything at once: store, broker, coordinator, autoscaler, agents.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await killGroup(first.child, "SIGKILL");

    const second = await npmStart(join(dir, "data"), topologyFile);
    started.push(second);
    expect(second.token).toBe(first.token);
    const get = async (path: string) => {
      const response = await fetch(`${second.url}${path}`, { headers: { authorization: `Bearer ${second.token}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as { stage: string; runs: { result?: string }[] };
    };
    for (const id of acknowledged) expect((await get(`/fleet/jobs/${id}`)).stage).toBeDefined();
    const deadline = Date.now() + 120_000;
    let pending = acknowledged;
    while (pending.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const stages = await Promise.all(pending.map(async (id) => [id, (await get(`/fleet/jobs/${id}`)).stage] as const));
      pending = stages.filter(([, stage]) => stage !== "shipped").map(([id]) => id);
    }
    expect(pending).toEqual([]);
    for (const id of acknowledged) {
      const job = await get(`/fleet/jobs/${id}`);
      expect(job.runs.filter((run) => run.result === "shipped")).toHaveLength(1);
    }
    await killGroup(second.child, "SIGINT");
    expect(second.output()).toContain("stopped; no process left behind.");
  }, 240_000);
});
