import { afterEach, describe, expect, it } from "vitest";
import { parseTopology } from "../../contracts/topology-file.js";
import { mintToken } from "../../coordinator/auth/credentials.js";
import type { JobDoc } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { StoreError } from "../../store/port.js";
import { desiredReplicasFor, heartbeatReplicaSource } from "../../composition/replica-source.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/** One metric's value for a label set, from the Prometheus text exposition. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe("job flow metrics", () => {
  let h: ApiHarness;
  afterEach(async () => h?.close());

  const metrics = async () => (await h.call("GET", "/metrics")).body;
  const run = async (key: string, outcome: "shipped" | "failed") => {
    const job = (await h.call("POST", "/fleet/jobs", { body: { idempotencyKey: key, bodyMd: `# ${key}`, capabilities: ["lang:ts"] } })).json().job as JobDoc;
    await h.tick();
    const epoch = ((await h.call("GET", `/fleet/jobs/${job.id}`)).json() as JobDoc).leaseEpoch;
    h.clock.advance(2_000);
    expect((await h.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-1", body: { leaseEpoch: epoch } })).statusCode).toBe(200);
    h.clock.advance(20_000);
    const release = await h.call("POST", `/fleet/jobs/${job.id}/lease/release`, {
      as: "general",
      factoryId: "f-1",
      body: { leaseEpoch: epoch, outcome: outcome === "shipped" ? "shipped" : "non_retryable", message: "done" },
    });
    expect(release.statusCode).toBe(200);
  };

  it("counts submissions, assignments and finished jobs by pool, product and outcome, and times accept and run", async () => {
    h = await startApiHarness(new MemoryStore());
    await run("m-1", "shipped");
    await run("m-2", "shipped");
    await run("m-3", "failed");
    const text = await metrics();
    expect(sample(text, "fleet_jobs_submitted_total", { product: "acme" })).toBe(3);
    expect(sample(text, "fleet_assignments_total", { pool: "general" })).toBe(3);
    expect(sample(text, "fleet_jobs_finished_total", { pool: "general", product: "acme", outcome: "shipped" })).toBe(2);
    expect(sample(text, "fleet_jobs_finished_total", { pool: "general", product: "acme", outcome: "failed" })).toBe(1);
    expect(sample(text, "fleet_submit_to_accept_seconds_count", { pool: "general" })).toBe(3);
    expect(sample(text, "fleet_submit_to_accept_seconds_sum", { pool: "general" })).toBe(6);
    expect(sample(text, "fleet_accept_to_finish_seconds_count", { pool: "general", outcome: "shipped" })).toBe(2);
    expect(sample(text, "fleet_accept_to_finish_seconds_sum", { pool: "general", outcome: "shipped" })).toBe(40);
    expect(sample(text, "fleet_pool_last_accept_timestamp_seconds", { pool: "general" })).toBeGreaterThan(0);
  });

  it("exports store operations as a counter that only grows between scrapes", async () => {
    h = await startApiHarness(new MemoryStore());
    const before = sample(await metrics(), "fleet_store_operations_total", { op: "create" }) ?? 0;
    await run("m-4", "shipped");
    const after = sample(await metrics(), "fleet_store_operations_total", { op: "create" }) ?? 0;
    expect(after).toBe(before + 1);
    expect(sample(await metrics(), "fleet_store_operations_total", { op: "create" })).toBe(after);
  });
});

describe("authentication failure metrics", () => {
  let h: ApiHarness;
  afterEach(async () => h?.close());

  const failures = async () => {
    const text = (await h.call("GET", "/metrics", { token: null })).body;
    return Object.fromEntries(["operator", "factory", "enrollment", "unknown", "missing"].map((kind) => [kind, sample(text, "fleet_auth_failures_total", { kind })]));
  };

  it("counts every refusal by the kind of credential presented, from zero, and nothing a route refuses later", async () => {
    h = await startApiHarness(new MemoryStore());
    expect(await failures()).toEqual({ operator: 0, factory: 0, enrollment: 0, unknown: 0, missing: 0 });
    const heartbeat = { seats: 1, load: 0 };
    const refusals: [number, Parameters<ApiHarness["call"]>[2] & { url?: string }][] = [
      [401, { token: null }],
      [401, { token: "op-nobody.not-a-secret" }],
      [401, { headers: { authorization: "Basic b3A6c2VjcmV0" }, token: null }],
      // The pool credential is known: a revoked token, a wrong secret, a pool token without its instance id.
      [401, { as: "revoked", factoryId: "f-1" }],
      [401, { token: mintToken("pool-general").token, factoryId: "f-1" }],
      [401, { as: "general" }],
      // A factory token on an operator route.
      [403, { as: "general", factoryId: "f-1" }],
    ];
    for (const [status, options] of refusals) expect((await h.call("GET", "/fleet/jobs", options)).statusCode).toBe(status);
    // An operator key on a factory route, an enrollment token on both, a used-up enrollment token.
    expect((await h.call("POST", "/fleet/factories/heartbeat", { body: heartbeat })).statusCode).toBe(403);
    const enrollment = (await h.call("POST", "/fleet/enrollment-tokens", { body: { pool: "general", maxUses: 1 } })).json().token as string;
    expect((await h.call("POST", "/fleet/factories/heartbeat", { token: enrollment, body: heartbeat })).statusCode).toBe(403);
    expect((await h.call("POST", "/fleet/factories/enroll", { token: enrollment })).statusCode).toBe(201);
    expect((await h.call("POST", "/fleet/factories/enroll", { token: enrollment })).statusCode).toBe(401);
    // Permissions a route checks once the caller is known are not authentication failures.
    expect((await h.call("GET", "/fleet/budgets/globex")).statusCode).toBe(403);
    expect((await h.call("GET", "/fleet/jobs/j-nosuch")).statusCode).toBe(404);
    expect(await failures()).toEqual({ operator: 1, factory: 4, enrollment: 2, unknown: 2, missing: 1 });
  });
});

describe("terminal totals metric", () => {
  let h: ApiHarness;
  afterEach(async () => h?.close());

  const submit = async (key: string) => (await h.call("POST", "/fleet/jobs", { body: { idempotencyKey: key, bodyMd: `# ${key}`, capabilities: ["lang:ts"] } })).json().job as JobDoc;
  // Counts are queries in the store's statistics.
  const reads = () => {
    const ops = h.store.stats().ops;
    return ops.read + ops.query;
  };

  it("exports the jobs per terminal stage the job list totals hold, kept in step with commits, without a store read per scrape", async () => {
    h = await startApiHarness(new MemoryStore());
    const text = async () => (await h.call("GET", "/metrics")).body;
    expect(sample(await text(), "fleet_jobs_terminal", { stage: "shipped" })).toBe(0);
    const cancelled = await submit("t-1");
    expect((await h.call("POST", `/fleet/jobs/${cancelled.id}/actions/cancel`, { body: { reason: "not needed" } })).statusCode).toBe(200);
    const shipped = await submit("t-2");
    await h.tick();
    const epoch = ((await h.call("GET", `/fleet/jobs/${shipped.id}`)).json() as JobDoc).leaseEpoch;
    await h.call("POST", `/fleet/jobs/${shipped.id}/lease/accept`, { as: "general", factoryId: "f-1", body: { leaseEpoch: epoch } });
    await h.call("POST", `/fleet/jobs/${shipped.id}/lease/release`, { as: "general", factoryId: "f-1", body: { leaseEpoch: epoch, outcome: "shipped" } });
    const before = reads();
    expect(before).toBeGreaterThan(0);
    const exposition = await text();
    expect(reads()).toBe(before);
    const terminal = Object.fromEntries(["shipped", "failed", "cancelled", "dead_letter"].map((stage) => [stage, sample(exposition, "fleet_jobs_terminal", { stage })]));
    expect(terminal).toEqual({ shipped: 1, failed: 0, cancelled: 1, dead_letter: 0 });
    expect(terminal).toEqual((await h.call("GET", "/fleet/jobs")).json().totals.terminal);
  });

  it("is absent while the store refuses the count, and appears once a scrape's background count succeeds", async () => {
    const store = new MemoryStore();
    const count = store.count.bind(store);
    let refuse = true;
    store.count = async (collection, query) => {
      if (refuse) throw new StoreError("throttled", "429 (test)");
      return count(collection, query);
    };
    h = await startApiHarness(store);
    const scrape = async () => sample((await h.call("GET", "/metrics")).body, "fleet_jobs_terminal", { stage: "shipped" });
    expect(await scrape()).toBeUndefined();
    refuse = false;
    expect(await scrape()).toBeUndefined(); // this scrape starts the count ...
    await new Promise((resolve) => setImmediate(resolve));
    expect(await scrape()).toBe(0); // ... and the next one has it
  });
});

describe("desired replicas in a cluster", () => {
  const pool = parseTopology({
    topic: "t",
    pools: [{ name: "pool-a", capabilities: ["lang:ts"], image: "i", seats: 1, maxReplicas: 8, workload: "scaledObject", messageCount: 2, activationMessageCount: 1 }],
  }).pools[0]!;

  it("follows KEDA's rule: minimum at or below activation, ceil(metric / target) above, never above max", () => {
    expect(desiredReplicasFor(pool, 0)).toBe(0);
    expect(desiredReplicasFor(pool, 1)).toBe(0);
    expect(desiredReplicasFor(pool, 2)).toBe(1);
    expect(desiredReplicasFor(pool, 5)).toBe(3);
    for (const metric of [16, 17, 1000, 1e9]) expect(desiredReplicasFor(pool, metric)).toBe(8);
  });

  it("counts live factories from heartbeats as actual replicas", () => {
    const source = heartbeatReplicaSource(() => new Map([["pool-a", 3]]));
    expect(source.replicas(pool, 40)).toEqual({ desired: 8, actual: 3 });
  });
});
