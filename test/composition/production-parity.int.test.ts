import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTopology } from "../../contracts/topology-file.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { type LocalStack, startLocalStack } from "../../stack/local-stack.js";
import { type ProcessUnderTest, startTsProcess } from "../support/process-under-test.js";

const COORDINATOR = fileURLToPath(new URL("../../composition/coordinator-main.ts", import.meta.url));

/** What an operator scales by and watches for dead letters: these must be in production. */
const SCALE_AND_DEAD_LETTER_METRICS = [
  "fleet_pool_desired_replicas",
  "fleet_pool_actual_replicas",
  "fleet_pool_max_replicas",
  "fleet_pool_ready_jobs",
  "fleet_pool_in_flight_leases",
  "fleet_pool_awaiting_accept",
  "fleet_pool_capacity_window",
  "fleet_subscription_active_messages",
  "fleet_subscription_dead_letters",
  "fleet_outbox_pending",
  "fleet_outbox_oldest_pending_seconds",
  "fleet_outbox_publish_lag_seconds",
  "fleet_outbox_published_total",
  "fleet_dead_letters_reconciled_total",
  "fleet_jobs_finished_total",
  "fleet_submit_to_accept_seconds",
  "fleet_accept_to_finish_seconds",
  "fleet_store_operations_total",
  "process_cpu_seconds_total",
];

/** Metric family names in a Prometheus text exposition (from its # TYPE lines). */
function metricNames(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

async function routesOf(url: string): Promise<string[]> {
  const spec = (await (await fetch(`${url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)).sort();
}

describe("the production coordinator entry point", () => {
  let broker: LocalServiceBus;
  let production: ProcessUnderTest;
  let productionUrl: string;
  let stack: LocalStack;

  beforeAll(async () => {
    broker = await startLocalServiceBus({});
    production = startTsProcess(COORDINATOR, {
      env: { STORE: "memory", PORT: "0", SCALER_PORT: "0", LOG_LEVEL: "warn", SERVICEBUS_CONNECTION_STRING: broker.connectionString },
    });
    productionUrl = await production.waitForLine(/^Fleet Dispatch coordinator on (http:\/\/\S+)$/, 30_000);
    const topology = parseTopology({
      topic: "assignments",
      pools: [{ name: "general", capabilities: ["lang:ts"], image: "factory:test", seats: 1, maxReplicas: 2, workload: "scaledJob" }],
    });
    stack = await startLocalStack({ topology, logger: pino({ level: "silent" }), apiPort: 0, scalerPort: 0, workDir: ".tmp/parity-stack" });
  }, 60_000);

  afterAll(async () => {
    await production?.stop();
    await stack?.stop();
    await broker?.close();
  });

  it("exports every scale, outbox and dead-letter metric when run against a broker", async () => {
    const names = metricNames(await (await fetch(`${productionUrl}/metrics`)).text());
    expect(SCALE_AND_DEAD_LETTER_METRICS.filter((name) => !names.has(name))).toEqual([]);
  });

  it("registers every metric and every route the local stack registers", async () => {
    const local = metricNames(await (await fetch(`${stack.url}/metrics`)).text());
    const prod = metricNames(await (await fetch(`${productionUrl}/metrics`)).text());
    expect([...local].filter((name) => !prod.has(name))).toEqual([]);
    expect(await routesOf(productionUrl)).toEqual(await routesOf(stack.url));
  });

  it("counts as counters what only grows (names end in _total, TYPE counter)", async () => {
    const text = await (await fetch(`${productionUrl}/metrics`)).text();
    const types = new Map([...text.matchAll(/^# TYPE (fleet_\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const misnamed = [...types].filter(([name, type]) => (type === "counter") !== name.endsWith("_total"));
    expect(misnamed).toEqual([]);
  });
});

describe("coordinator entry point: usage and configuration", () => {
  it("prints --help with every environment variable and starts nothing", async () => {
    const run = startTsProcess(COORDINATOR, { args: ["--help"], env: { PORT: "1" } });
    expect((await run.exited).code).toBe(0);
    for (const name of ["STORE", "COSMOS_ENDPOINT", "SERVICEBUS_CONNECTION_STRING", "SCALER_PORT", "CREDENTIALS_FILE"]) expect(run.output()).toContain(name);
    expect(run.output()).not.toContain("coordinator on");
  });

  it("exits 2 naming every bad variable", async () => {
    const run = startTsProcess(COORDINATOR, { env: { PORT: "eighty", STORE: "sqlite" } });
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain("PORT");
    expect(run.output()).toContain("STORE");
  });

  it("exits 2 for an unknown option", async () => {
    const run = startTsProcess(COORDINATOR, { args: ["--prot", "80"] });
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain("--prot");
  });
});
