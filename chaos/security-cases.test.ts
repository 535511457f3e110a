import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { JobDoc } from "../contracts/index.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { type ApiHarness, startApiHarness } from "../test/support/api-harness.js";

/** RELIABILITY.md's security cases, against the coordinator's HTTP API. (A malformed broker
 * message being dead-lettered while the agent keeps serving is proven in
 * test/factory-agent.int.test.ts on real processes.) */
describe("security cases", () => {
  let h: ApiHarness;
  let logs = "";
  afterEach(async () => h.close());

  const start = async (rateLimit?: { perSecond: number; burst: number }) => {
    logs = "";
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    h = await startApiHarness(new MemoryStore(), undefined, { logger: pino({ level: "info" }, sink), ...(rateLimit === undefined ? {} : { rateLimit }) });
  };
  const assigned = async () => {
    const job = (await h.call("POST", "/fleet/jobs", { body: { idempotencyKey: "s", bodyMd: "x", capabilities: ["lang:ts"] } })).json().job as JobDoc;
    await h.tick();
    return job;
  };

  it("rejects a replayed old epoch with 409", async () => {
    await start();
    const job = await assigned();
    await h.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "a", body: { leaseEpoch: 1 } });
    await h.call("POST", `/fleet/jobs/${job.id}/actions/requeue`, { body: {} });
    const replay = await h.call("PATCH", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "a", body: { stage: "review", leaseEpoch: 1 } });
    expect(replay.statusCode).toBe(409);
    expect(replay.json().error.code).toBe("STALE_EPOCH");
  });

  it("hides worker B's job from worker A (404) and refuses a wrong-pool token (403)", async () => {
    await start();
    const job = await assigned();
    await h.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "b", body: { leaseEpoch: 1 } });
    expect((await h.call("PATCH", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "a", body: { stage: "review", leaseEpoch: 1 } })).statusCode).toBe(404);
    expect((await h.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "gpu", factoryId: "g", body: { leaseEpoch: 1 } })).statusCode).toBe(403);
  });

  it("refuses revoked and unknown tokens (401) and cross-product access (404)", async () => {
    await start();
    const job = await assigned();
    expect((await h.call("POST", "/fleet/factories/heartbeat", { as: "revoked", factoryId: "x", body: { load: 0, seats: 1 } })).statusCode).toBe(401);
    expect((await h.server.inject({ method: "GET", url: "/fleet/jobs", headers: { authorization: "Bearer nobody.0123456789abcdef0123" } })).statusCode).toBe(401);
    expect((await h.call("GET", `/fleet/jobs/${job.id}`, { as: "otherOperator" })).statusCode).toBe(404);
  });

  it("answers an oversized body with 413 and a flood with 429 and Retry-After", async () => {
    await start({ perSecond: 5, burst: 10 });
    expect((await h.call("POST", "/fleet/jobs", { body: { bodyMd: "x".repeat(400 * 1024) } })).statusCode).toBe(413);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 40; i++) {
      const response = await h.call("GET", "/fleet/queue-state");
      statuses.push(response.statusCode);
      if (response.statusCode === 429) retryAfter = String(response.headers["retry-after"]);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another caller is unaffected.
    expect((await h.call("GET", "/fleet/queue-state", { as: "otherOperator" })).statusCode).toBe(200);
  });

  it("never writes a token to the logs", async () => {
    await start();
    await h.call("GET", "/fleet/jobs");
    await h.call("GET", "/fleet/jobs", { as: "revoked", factoryId: "x" });
    expect(logs.length).toBeGreaterThan(0);
    for (const token of Object.values(h.tokens)) expect(logs).not.toContain(token.split(".")[1]);
  });
});
