import { afterEach, describe, expect, it } from "vitest";
import { parseTopology } from "../../contracts/topology-file.js";
import type { JobDoc } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
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
