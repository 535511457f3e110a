import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { RequestLogLevel } from "../coordinator/api/build-server.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { startApiHarness } from "./support/api-harness.js";

/** Per-request logs cost nothing on the hot paths unless asked for (REQUEST_LOG_LEVEL). */
describe("request logs", () => {
  const run = async (requestLogLevel: RequestLogLevel | undefined, loggerLevel: pino.Level = "info") => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line));
        done();
      },
    });
    const h = await startApiHarness(new MemoryStore(), undefined, { logger: pino({ level: loggerLevel }, sink), ...(requestLogLevel === undefined ? {} : { requestLogLevel }) });
    try {
      const job = { idempotencyKey: "a", bodyMd: "# a", capabilities: ["lang:ts"] };
      expect((await h.call("POST", "/fleet/jobs", { body: job })).statusCode).toBe(201);
      expect((await h.call("POST", "/fleet/jobs/batch", { body: { jobs: [job] } })).statusCode).toBe(200);
      expect((await h.call("POST", "/fleet/jobs", { body: { bodyMd: "" } })).statusCode).toBe(400);
      expect((await h.call("GET", "/fleet/jobs/j-00000000000000000000000000000000")).statusCode).toBe(404);
    } finally {
      await h.close();
    }
    return lines.filter((line) => "reqId" in line);
  };

  it("writes none by default (warn): neither successes nor 4xx", async () => {
    expect(await run(undefined)).toEqual([]);
  });

  it("logs every request received and completed, and each 4xx, at info", async () => {
    const lines = await run("info");
    expect(lines.filter((line) => line.msg === "incoming request")).toHaveLength(4);
    expect(lines.filter((line) => line.msg === "request completed")).toHaveLength(4);
    expect(lines.filter((line) => line.msg === "request rejected").map((line) => line.code)).toEqual(["VALIDATION", "NOT_FOUND"]);
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|authorization/i);
  });

  it("is never more verbose than the process's own level", async () => {
    expect(await run("info", "warn")).toEqual([]);
  });
});
