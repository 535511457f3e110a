import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startTsProcess } from "../support/process-under-test.js";

const COORDINATOR = fileURLToPath(new URL("../../composition/coordinator-main.ts", import.meta.url));

describe("npm run coordinator with the embedded store", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleet-coordinator-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async () => {
    const run = startTsProcess(COORDINATOR, { args: ["--data-dir", dir], env: { PORT: "0", LOG_LEVEL: "warn", STORE: "embedded", CREDENTIALS_FILE: undefined } });
    const url = await run.waitForLine(/^Fleet Dispatch coordinator on (http:\/\/\S+)$/, 30_000);
    const token = await run.waitForLine(/operator \(product demo\): (\S+)$/, 5_000);
    return { run, url, token };
  };

  it("keeps every acknowledged job across kill -9, with the same development tokens", async () => {
    const first = await start();
    expect(first.run.output()).toContain(`journalled to ${join(dir, "cosmos")}`);
    expect(statSync(join(dir, "tokens.json")).mode & 0o777).toBe(0o600);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${first.url}/fleet/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${first.token}`, "content-type": "application/json" },
        body: JSON.stringify({ idempotencyKey: `durable-${i}`, bodyMd: `# job ${i}`, capabilities: ["lang:ts"] }),
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { job: { id: string } }).job.id);
    }
    first.run.child.kill("SIGKILL");
    await first.run.exited;

    const second = await start();
    try {
      expect(second.token).toBe(first.token);
      for (const id of ids) {
        const response = await fetch(`${second.url}/fleet/jobs/${id}`, { headers: { authorization: `Bearer ${second.token}` } });
        expect(response.status).toBe(200);
      }
    } finally {
      await second.run.stop();
    }
  }, 90_000);

  it("starts empty with --in-memory and says so", async () => {
    const run = startTsProcess(COORDINATOR, { args: ["--in-memory"], env: { PORT: "0", LOG_LEVEL: "warn", STORE: "embedded", CREDENTIALS_FILE: undefined } });
    try {
      await run.waitForLine(/^Fleet Dispatch coordinator on (http:\/\/\S+)$/, 30_000);
      expect(run.output()).toContain("in memory (nothing survives a restart)");
    } finally {
      await run.stop();
    }
  }, 60_000);
});
