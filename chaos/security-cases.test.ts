import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { LightMyRequestResponse } from "fastify";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type JobDoc, systemClock } from "../contracts/index.js";
import { CredentialRegistry, type CredentialsFileInput, mintToken } from "../coordinator/auth/credentials.js";
import { mintDevCredentials } from "../coordinator/dev-credentials.js";
import { buildCoordinatorProcess, type CoordinatorProcess } from "../composition/coordinator-process.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { type ApiHarness, startApiHarness } from "../test/support/api-harness.js";
import { type ProcessUnderTest, startTsProcess } from "../test/support/process-under-test.js";
import { testTopology } from "../test/support/topology-fixture.js";

const COORDINATOR = fileURLToPath(new URL("../composition/coordinator-main.ts", import.meta.url));

/** RELIABILITY.md's security cases, against the coordinator's HTTP API. (A malformed broker
 * message being dead-lettered while the agent keeps serving is proven in
 * test/factory-agent.int.test.ts on real processes.) */
describe("security cases", () => {
  let h: ApiHarness | undefined;
  let logs = "";
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const start = async (options: { rateLimit?: { perSecond: number; burst: number }; store?: MemoryStore; credentials?: CredentialsFileInput } = {}) => {
    logs = "";
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    h = await startApiHarness(options.store ?? new MemoryStore(), undefined, {
      logger: pino({ level: "info" }, sink),
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
    return h;
  };
  const assigned = async (api: ApiHarness) => {
    const job = (await api.call("POST", "/fleet/jobs", { body: { idempotencyKey: "s", bodyMd: "x", capabilities: ["lang:ts"] } })).json().job as JobDoc;
    await api.tick();
    return job;
  };
  const enrolledToken = async (api: ApiHarness, factoryId: string) => {
    const enrollment = (await api.call("POST", "/fleet/enrollment-tokens", { body: { pool: "general" } })).json();
    return (await api.call("POST", "/fleet/factories/enroll", { token: enrollment.token, body: { factoryId } })).json() as { token: string; factoryId: string };
  };

  it("rejects a replayed old epoch with 409", async () => {
    const api = await start();
    const job = await assigned(api);
    await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "a", body: { leaseEpoch: 1 } });
    await api.call("POST", `/fleet/jobs/${job.id}/actions/requeue`, { body: {} });
    const replay = await api.call("PATCH", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "a", body: { stage: "review", leaseEpoch: 1 } });
    expect(replay.statusCode).toBe(409);
    expect(replay.json().error.code).toBe("STALE_EPOCH");
  });

  it("hides worker B's job from worker A (404) and refuses a wrong-pool token (403)", async () => {
    const api = await start();
    const job = await assigned(api);
    await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "b", body: { leaseEpoch: 1 } });
    expect((await api.call("PATCH", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "a", body: { stage: "review", leaseEpoch: 1 } })).statusCode).toBe(404);
    expect((await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "gpu", factoryId: "g", body: { leaseEpoch: 1 } })).statusCode).toBe(403);
  });

  it("refuses revoked and unknown tokens (401) and cross-product access (404)", async () => {
    const api = await start();
    const job = await assigned(api);
    expect((await api.call("POST", "/fleet/factories/heartbeat", { as: "revoked", factoryId: "x", body: { load: 0, seats: 1 } })).statusCode).toBe(401);
    expect((await api.server.inject({ method: "GET", url: "/fleet/jobs", headers: { authorization: "Bearer nobody.0123456789abcdef0123" } })).statusCode).toBe(401);
    expect((await api.call("GET", `/fleet/jobs/${job.id}`, { as: "otherOperator" })).statusCode).toBe(404);
  });

  it("answers an oversized body with 413 and a flood with 429 and Retry-After", async () => {
    const api = await start({ rateLimit: { perSecond: 5, burst: 10 } });
    expect((await api.call("POST", "/fleet/jobs", { body: { bodyMd: "x".repeat(400 * 1024) } })).statusCode).toBe(413);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 40; i++) {
      const response = await api.call("GET", "/fleet/queue-state");
      statuses.push(response.statusCode);
      if (response.statusCode === 429) retryAfter = String(response.headers["retry-after"]);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another caller is unaffected.
    expect((await api.call("GET", "/fleet/queue-state", { as: "otherOperator" })).statusCode).toBe(200);
  });

  it("never writes a token to the logs, run-time ones included", async () => {
    const api = await start();
    await api.call("GET", "/fleet/jobs");
    await api.call("GET", "/fleet/jobs", { as: "revoked", factoryId: "x" });
    const enrollment = (await api.call("POST", "/fleet/enrollment-tokens", { body: { pool: "general" } })).json().token as string;
    const enrolled = (await api.call("POST", "/fleet/factories/enroll", { token: enrollment, body: {} })).json();
    const rotated = (await api.call("POST", `/fleet/factories/${enrolled.factoryId}/token/rotate`, { token: enrolled.token })).json().token as string;
    const operatorKey = (await api.call("POST", "/fleet/operators", { body: { role: "load-tester" } })).json().token as string;
    await api.call("GET", "/fleet/queue-state", { token: operatorKey });
    await api.call("GET", "/fleet/queue-state", { token: `${operatorKey}x` });
    expect(logs.length).toBeGreaterThan(0);
    for (const token of [...Object.values(api.tokens), enrollment, enrolled.token, rotated, operatorKey]) expect(logs).not.toContain(token.split(".").at(-1));
  });

  describe("revocation", () => {
    it("re-reads CREDENTIALS_FILE on SIGHUP without stopping: a revoked key is refused at once, a bad file keeps the old credentials", async () => {
      const dir = mkdtempSync(join(tmpdir(), "fleet-sighup-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, "credentials.json");
      const kept = mintToken("op-kept");
      const doomed = mintToken("op-doomed");
      const file = (revoked: boolean) => ({
        operators: [
          { id: "op-kept", productId: "acme", secretSha256: kept.secretSha256 },
          { id: "op-doomed", productId: "acme", secretSha256: doomed.secretSha256, revoked },
        ],
      });
      writeFileSync(path, JSON.stringify(file(false)));
      const coordinator: ProcessUnderTest = startTsProcess(COORDINATOR, { env: { STORE: "memory", PORT: "0", LOG_LEVEL: "info", CREDENTIALS_FILE: path } });
      cleanups.push(() => coordinator.stop());
      const url = await coordinator.waitForLine(/^Fleet Dispatch coordinator on (http:\/\/\S+)$/, 30_000);
      const status = async (token: string) => (await fetch(`${url}/fleet/queue-state`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status(doomed.token)).toBe(200);

      writeFileSync(path, JSON.stringify(file(true)));
      coordinator.child.kill("SIGHUP");
      await eventually(async () => expect(await status(doomed.token)).toBe(401), 2000);
      expect(await status(kept.token)).toBe(200);

      writeFileSync(path, "{ not json");
      coordinator.child.kill("SIGHUP");
      await eventually(async () => expect(coordinator.output()).toContain("NOT re-read"), 2000);
      expect(coordinator.child.exitCode).toBeNull();
      expect(await status(kept.token)).toBe(200);
      expect(await status(doomed.token)).toBe(401);
    }, 60_000);

    it("revokes a run-time token on every coordinator replica within a second, and an idle replica reads nothing", async () => {
      const store = new MemoryStore();
      const replica = async (): Promise<CoordinatorProcess> => {
        const app = await buildCoordinatorProcess({
          store,
          topology: testTopology(),
          credentials: new CredentialRegistry({ operators: [{ id: "op-acme", productId: "acme", secretSha256: operatorKey.secretSha256 }] }),
          clock: systemClock,
          logger: pino({ level: "silent" }),
          loop: false,
          processMetrics: false,
        });
        cleanups.push(() => app.close());
        return app;
      };
      const operatorKey = mintToken("op-acme");
      const a = await replica();
      const b = await replica();
      const call = (app: CoordinatorProcess, method: "GET" | "POST", url: string, token: string, body?: unknown): Promise<LightMyRequestResponse> =>
        app.server!.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
      const enrollment = (await call(a, "POST", "/fleet/enrollment-tokens", operatorKey.token, { pool: "general" })).json();
      const enrolled = (await call(a, "POST", "/fleet/factories/enroll", enrollment.token, {})).json();
      // B never saw the enrollment: it reads the new credential the first time it meets it.
      const beat = () => call(b, "POST", "/fleet/factories/heartbeat", enrolled.token, { load: 0, seats: 1 });
      expect((await beat()).statusCode).toBe(200);

      const reads = () => store.stats().ops.read + store.stats().ops.query;
      const before = reads();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(reads() - before, "store reads by idle replicas").toBe(0);

      expect((await beat()).statusCode).toBe(200);
      const revokedAt = Date.now();
      expect((await call(a, "POST", `/fleet/factories/${enrolled.factoryId}/token/revoke`, operatorKey.token)).statusCode).toBe(200);
      expect((await call(a, "POST", "/fleet/factories/heartbeat", enrolled.token, { load: 0, seats: 1 })).statusCode).toBe(401);
      let refusedAt: number | undefined;
      while (refusedAt === undefined && Date.now() - revokedAt < 3000) {
        if ((await beat()).statusCode === 401) refusedAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(refusedAt, "replica B never refused the revoked token").toBeDefined();
      expect(refusedAt! - revokedAt).toBeLessThan(1000);
    });
  });

  describe("rate limits", () => {
    it("limits a pool token across all its instances: 1,000 heartbeats with a new X-Factory-Id each", async () => {
      let storeNow = Date.now();
      const api = await start({ store: new MemoryStore({ now: () => storeNow }) });
      const started = Date.now();
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 1000; i++) {
        const response = await api.call("POST", "/fleet/factories/heartbeat", { as: "general", factoryId: `spoof-${i}`, body: { load: 0, seats: 1 } });
        statuses.push(response.statusCode);
        if (response.statusCode === 429) retryAfter = String(response.headers["retry-after"]);
      }
      const seconds = (Date.now() - started) / 1000;
      const accepted = statuses.filter((s) => s === 200).length;
      // The pool's limit: 20/s and a burst of 40 per instance, times maxReplicas (4).
      expect(accepted).toBeLessThanOrEqual(160 + Math.ceil(80 * seconds) + 1);
      expect(statuses.filter((s) => s === 429).length).toBe(1000 - accepted);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // Each accepted heartbeat wrote one document, and each expires by itself.
      const docs = (await api.store.query("factories", {})).items;
      expect(docs).toHaveLength(accepted);
      expect(docs.every((item) => item.doc.ttl === 600)).toBe(true);
      storeNow += 601_000;
      expect((await api.store.query("factories", {})).items).toHaveLength(0);
    });

    it("limits requests without valid credentials per source address, with Retry-After; valid callers there still pass", async () => {
      const api = await start();
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 60; i++) {
        const response = await api.call("GET", "/fleet/jobs", { token: i % 2 === 0 ? null : "guess.AAAAAAAAAAAAAAAAAAAAAAAA", from: "203.0.113.7" });
        statuses.push(response.statusCode);
        if (response.statusCode === 429) retryAfter = String(response.headers["retry-after"]);
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(30);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect((await api.call("GET", "/fleet/jobs", { token: null, from: "198.51.100.2" })).statusCode).toBe(401);
      expect((await api.call("GET", "/fleet/jobs", { from: "203.0.113.7" })).statusCode).toBe(200);
    });

    it("fits the callers: a load tester's high default, a key's own limit and role defaults from CREDENTIALS_FILE", async () => {
      const tester = mintToken("op-load");
      const tight = mintToken("op-tight");
      const api = await start({
        credentials: {
          operators: [
            { id: "op-load", productId: "acme", role: "load-tester", secretSha256: tester.secretSha256 },
            { id: "op-tight", productId: "acme", secretSha256: tight.secretSha256, rateLimit: { perSecond: 1, burst: 2 } },
          ],
          rateLimits: { operator: { perSecond: 1, burst: 3 } },
        },
      });
      const burst = async (token: string | undefined, n: number) => {
        const statuses: number[] = [];
        for (let i = 0; i < n; i++) statuses.push((await api.call("GET", "/fleet/queue-state", token === undefined ? {} : { token })).statusCode);
        return statuses;
      };
      expect((await burst(tester.token, 1000)).every((s) => s === 200)).toBe(true);
      expect(await burst(tight.token, 3)).toEqual([200, 200, 429]);
      expect(await burst(undefined, 4)).toEqual([200, 200, 200, 429]);
      const limited = await api.call("GET", "/fleet/queue-state", { token: tight.token });
      expect(limited.headers["retry-after"]).toBeDefined();
      expect(limited.json().error.message).toContain("1 requests per second (burst 2)");
    });
  });

  describe("authentication comes first", () => {
    it("answers a caller without a token 401 before looking at its body: no field-level details", async () => {
      const api = await start();
      const response = await api.call("POST", "/fleet/jobs", { token: null, body: { colour: "blue", priority: 7 } });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.details).toBeUndefined();
      expect(response.body).not.toContain("colour");
      expect(response.body).not.toContain("bodyMd");
      // A token of the wrong role learns nothing about the body either.
      const wrongRole = await api.call("POST", "/fleet/jobs", { as: "general", factoryId: "f", body: { colour: "blue" } });
      expect(wrongRole.statusCode).toBe(403);
      expect(wrongRole.body).not.toContain("colour");
    });
  });

  describe("least privilege", () => {
    it("lets a factory read only the jobs it holds a lease on", async () => {
      const api = await start();
      const job = await assigned(api);
      const other = (await api.call("POST", "/fleet/jobs", { body: { idempotencyKey: "queued", bodyMd: "secret plan", capabilities: ["lang:ts", "gpu"] } })).json().job as JobDoc;
      expect((await api.call("GET", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "f-a" })).statusCode).toBe(404);
      await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-a", body: { leaseEpoch: 1 } });
      const own = await api.call("GET", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "f-a" });
      expect(own.statusCode).toBe(200);
      expect(own.json().bodyMd).toBe("x");
      const foreign = await api.call("GET", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "f-b" });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body).not.toContain("bodyMd");
      expect((await api.call("GET", `/fleet/jobs/${other.id}`, { as: "gpu", factoryId: "g-1" })).statusCode).toBe(404);
    });

    it("tells a caller that is not the lease holder nothing in STALE_EPOCH or LEASE_TAKEN", async () => {
      const api = await start();
      const job = await assigned(api);
      await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-a", body: { leaseEpoch: 1 } });
      api.clock.advance(31_000);
      await api.tick();
      // Requeued with epoch 2 after its retry backoff; then assigned again with epoch 3.
      api.clock.advance(31_000);
      await api.tick();
      const current = (await api.call("GET", `/fleet/jobs/${job.id}`)).json() as JobDoc;
      expect(current.leaseEpoch).toBe(3);
      expect((await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-b", body: { leaseEpoch: 3 } })).statusCode).toBe(200);

      const zombie = await api.call("PATCH", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "f-a", body: { stage: "review", leaseEpoch: 1 } });
      expect(zombie.statusCode).toBe(409);
      expect(zombie.json().error.code).toBe("STALE_EPOCH");
      expect(zombie.json().error.details).toBeUndefined();
      expect(zombie.json().error.message).not.toMatch(/\b3\b/);
      const late = await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-c", body: { leaseEpoch: 2 } });
      expect(late.statusCode).toBe(409);
      expect(late.json().error.details).toBeUndefined();
      expect(late.json().error.message).not.toMatch(/\b3\b/);
      const taken = await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-c", body: { leaseEpoch: 3 } });
      expect(taken.json().error.code).toBe("LEASE_TAKEN");
      expect(taken.json().error.details).toBeUndefined();
      expect(taken.body).not.toContain("f-b");
      // The holder itself may be told where the job stands.
      const holder = await api.call("PATCH", `/fleet/jobs/${job.id}`, { as: "general", factoryId: "f-b", body: { stage: "review", leaseEpoch: 2 } });
      expect(holder.json().error).toMatchObject({ code: "STALE_EPOCH", details: { currentEpoch: 3 } });
    });

    it("never lets a pool token span products, the development ones included", () => {
      const token = mintToken("pool-any");
      expect(() => new CredentialRegistry({ factories: [{ id: "pool-any", productId: "*", pool: "general", secretSha256: token.secretSha256 }] })).toThrow(
        /never span products/,
      );
      const dev = mintDevCredentials(testTopology());
      expect(dev.file.factories.every((factory) => factory.productId === "demo")).toBe(true);
      expect(() => new CredentialRegistry(dev.file)).not.toThrow();
    });

    it("takes an enrolled factory's id from its token: X-Factory-Id cannot pick another, and one-use enrollment tokens work once", async () => {
      const api = await start();
      const enrolled = await enrolledToken(api, "f-real");
      const job = await assigned(api);
      const spoofed = await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { token: enrolled.token, factoryId: "f-other", body: { leaseEpoch: 1 } });
      expect(spoofed.statusCode).toBe(403);
      const accepted = await api.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { token: enrolled.token, body: { leaseEpoch: 1 } });
      expect(accepted.json().lease.factoryId).toBe("f-real");
      const once = (await api.call("POST", "/fleet/enrollment-tokens", { body: { pool: "general", maxUses: 1 } })).json().token as string;
      const results = await Promise.all(Array.from({ length: 10 }, () => api.call("POST", "/fleet/factories/enroll", { token: once, body: {} })));
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
      expect(results.filter((r) => r.statusCode === 401)).toHaveLength(9);
    });
  });
});

async function eventually(check: () => Promise<void>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
