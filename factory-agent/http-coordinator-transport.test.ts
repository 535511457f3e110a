import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { queuedJob } from "../test/support/job-fixture.js";
import { HttpCoordinatorTransport } from "./http-coordinator-transport.js";

interface Reply {
  status: number;
  body: string;
}

describe("the HTTP coordinator transport", () => {
  let server: Server | undefined;
  let connections = 0;
  const transports: HttpCoordinatorTransport[] = [];
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
  afterEach(async () => {
    seen.length = 0;
    connections = 0;
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  const serve = async (reply: Reply, options: { connections?: number; delayMs?: number } = {}): Promise<HttpCoordinatorTransport> => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        setTimeout(() => {
          response.writeHead(reply.status, { "content-type": "application/json" });
          response.end(reply.body);
        }, options.delayMs ?? 0);
      });
    });
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const transport = new HttpCoordinatorTransport({ baseUrl: `http://127.0.0.1:${port}`, token: "pool.secret", factoryId: "f-1", timeoutMs: 2000, ...(options.connections === undefined ? {} : { connections: options.connections }) });
    transports.push(transport);
    return transport;
  };

  it("keeps its connections: fifty calls one after another open no new TCP connection", async () => {
    const transport = await serve({ status: 200, body: JSON.stringify({ ok: true, at: 1 }) });
    const heartbeat = () => transport.send({ op: "heartbeat", body: { load: 0, seats: 1, health: "ok" } });
    // The first calls open what the agent keeps (undici may open a second connection while the
    // first is still finishing its first answer).
    await heartbeat();
    await heartbeat();
    const opened = connections;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(2);
    for (let i = 0; i < 50; i++) expect((await heartbeat()).answered).toBe(true);
    expect(seen).toHaveLength(52);
    expect(connections).toBe(opened);
  });

  it("runs calls in flight at once on at most its configured connections, and reuses them", async () => {
    const transport = await serve({ status: 200, body: JSON.stringify({ ok: true, at: 1 }) }, { connections: 4, delayMs: 20 });
    const wave = () => Promise.all(Array.from({ length: 12 }, () => transport.send({ op: "heartbeat", body: { load: 0, seats: 1, health: "ok" } })));
    for (const outcome of [...(await wave()), ...(await wave())]) expect(outcome.answered).toBe(true);
    expect(seen).toHaveLength(24);
    expect(connections).toBe(4);
  });

  it("names a bad connection count", () => {
    expect(() => new HttpCoordinatorTransport({ baseUrl: "http://127.0.0.1:1", token: "t", factoryId: "f", connections: 0 })).toThrow(/at least one connection/);
  });

  it("sends the fenced call with the factory's credentials and validates the job it gets back", async () => {
    const job = queuedJob({ stage: "building", leaseEpoch: 3 });
    const transport = await serve({ status: 200, body: JSON.stringify(job) });
    const outcome = await transport.send({ op: "report", jobId: job.id, epoch: 3, stage: "review" });
    expect(outcome).toEqual({ answered: true, result: { ok: true, value: job } });
    expect(seen[0]).toMatchObject({ method: "PATCH", url: `/fleet/jobs/${job.id}` });
    expect(seen[0]!.headers).toMatchObject({ authorization: "Bearer pool.secret", "x-factory-id": "f-1" });
    expect(JSON.parse(seen[0]!.body)).toEqual({ stage: "review", leaseEpoch: 3 });
  });

  it("keeps what the agent reads from a heartbeat answer: the token's pool and the directives", async () => {
    const answer = { ok: true, at: 5, pool: "general", poolInTopology: true, drain: { reason: "pool-draining", message: "finish and exit" }, extra: "dropped" };
    const transport = await serve({ status: 200, body: JSON.stringify(answer) });
    expect(await transport.send({ op: "heartbeat", body: { load: 0, seats: 1, health: "ok" } })).toEqual({
      answered: true,
      result: { ok: true, value: { ok: true, at: 5, pool: "general", poolInTopology: true, drain: { reason: "pool-draining", message: "finish and exit" } } },
    });
  });

  it("answers INVALID_RESPONSE to a success body that does not match the call's schema", async () => {
    const transport = await serve({ status: 200, body: JSON.stringify({ jobId: "j", stage: "nowhere" }) });
    const outcome = await transport.send({ op: "release", jobId: "j", body: { leaseEpoch: 1, outcome: "shipped" } });
    expect(outcome).toMatchObject({ answered: true, result: { ok: false, status: 200, code: "INVALID_RESPONSE" } });
    expect(outcome.answered && !outcome.result.ok && outcome.result.message).toContain("same version");
  });

  it("returns the coordinator's error code from the error envelope", async () => {
    const transport = await serve({ status: 409, body: JSON.stringify({ error: { code: "STALE_EPOCH", message: "epoch 1 is not the job's current epoch 2" } }) });
    expect(await transport.send({ op: "renew", jobId: "j", epoch: 1 })).toEqual({
      answered: true,
      result: { ok: false, status: 409, code: "STALE_EPOCH", message: "epoch 1 is not the job's current epoch 2" },
    });
  });

  it("treats 5xx, 429 and a refused connection as tries without an answer", async () => {
    const unavailable = await serve({ status: 503, body: JSON.stringify({ error: { code: "STORE_UNAVAILABLE", message: "retry" } }) });
    expect(await unavailable.send({ op: "heartbeat", body: { load: 0, seats: 1, health: "ok" } })).toEqual({ answered: false, reason: "HTTP 503" });
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const refused = await unavailable.send({ op: "heartbeat", body: { load: 0, seats: 1, health: "ok" } });
    expect(refused.answered).toBe(false);
  });
});
