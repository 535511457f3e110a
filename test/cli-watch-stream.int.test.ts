import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FLEET = fileURLToPath(new URL("../cli/bin/fleet.mjs", import.meta.url));
const JOB = "j-0123456789abcdef0123456789abcdef";

/**
 * `fleet jobs watch` on a coordinator that serves the live event stream: a stand-in server with the
 * job route and GET /fleet/jobs/:id/events/stream (Server-Sent Events). The stream drops once
 * after two events; the CLI resumes with Last-Event-ID and stops at the terminal event.
 */
describe("fleet jobs watch on the live stream", () => {
  let server: Server;
  let url: string;
  const lastEventIds: (string | undefined)[] = [];
  beforeAll(async () => {
    const events = ["submitted", "assigned", "accepted", "shipped"].map((type, seq) => ({ seq, type, at: new Date(1_769_851_800_000 + seq).toISOString(), actor: "coordinator", epoch: seq === 0 ? 0 : 1 }));
    server = createServer((request, response) => {
      if (request.url === `/fleet/jobs/${JOB}`) {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: JOB, stage: "queued" }));
        return;
      }
      if (request.url === `/fleet/jobs/${JOB}/events/stream`) {
        const last = request.headers["last-event-id"] as string | undefined;
        lastEventIds.push(last);
        response.writeHead(200, { "content-type": "text/event-stream" });
        const from = last === undefined ? 0 : Number(last) + 1;
        const batch = last === undefined ? events.slice(0, 2) : events.slice(from);
        for (const event of batch) response.write(`id: ${event.seq}\nevent: job\ndata: ${JSON.stringify(event)}\n\n`);
        response.end();
        return;
      }
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "NOT_FOUND", message: "no route" } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("prints each event once, resuming after a drop with Last-Event-ID", async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [FLEET, "jobs", "watch", JOB, "--json"], {
        env: { PATH: process.env.PATH ?? "", FLEET_URL: url, FLEET_TOKEN: "op.x", FLEET_CONFIG: "/nonexistent" },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`watch did not finish: ${stdout} ${stderr}`));
      }, 20_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n").map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(["submitted", "assigned", "accepted", "shipped"]);
    expect(lastEventIds).toEqual([undefined, "1"]);
  });
});
