import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { type ProcessUnderTest, startTsProcess } from "../../test/support/process-under-test.js";
import { FLEET_METRICS } from "./fleet-metrics.js";
import { extractMetricNames, loadShippedMonitoring } from "./metric-names.js";

const COORDINATOR = fileURLToPath(new URL("../../composition/coordinator-main.ts", import.meta.url));

interface Family {
  type: string;
  /** Each sample's labels (a histogram's `le` left out). */
  samples: Record<string, string>[];
}

/** The metric families of a Prometheus text exposition, by name (histograms by their base name,
 * their `_bucket`, `_sum` and `_count` samples under it). */
function familiesOf(exposition: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(name!, { type: type!, samples: [] });
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+/.exec(line);
    if (match === null) continue;
    const base = match[1]!.replace(/_(bucket|sum|count)$/, "");
    const family = families.get(match[1]!) ?? (families.get(base)?.type === "histogram" ? families.get(base) : undefined);
    if (family === undefined) continue;
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    delete labels.le;
    family.samples.push(labels);
  }
  return families;
}

/**
 * The shipped dashboard and alert rules against the registry of a real coordinator: the production
 * entry point, as its own process, with the local Service Bus broker (so the dispatcher's and the
 * scaler's metrics are there too). A metric the monitoring names that the process does not export
 * would be a panel with no data and an alert that can never fire.
 */
describe("the monitoring against a running production coordinator", () => {
  let broker: LocalServiceBus;
  let coordinator: ProcessUnderTest;
  let families: Map<string, Family>;

  beforeAll(async () => {
    broker = await startLocalServiceBus({});
    coordinator = startTsProcess(COORDINATOR, {
      env: { STORE: "memory", HOST: "127.0.0.1", PORT: "0", SCALER_PORT: "0", LOG_LEVEL: "warn", SERVICEBUS_CONNECTION_STRING: broker.connectionString },
    });
    const url = await coordinator.waitForLine(/^Fleet Dispatch coordinator on (http:\/\/\S+)$/, 30_000);
    // A refused request, so the refusal counter has a sample beyond the zeros it starts with.
    expect((await fetch(`${url}/fleet/jobs`)).status).toBe(401);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    families = familiesOf(await response.text());
  }, 60_000);

  afterAll(async () => {
    await coordinator?.stop();
    await broker?.close();
  });

  it("exports every metric the dashboard and the alert rules name", () => {
    const { dashboard, rules } = loadShippedMonitoring();
    const names = extractMetricNames(dashboard, rules);
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(names.filter((name) => !families.has(name))).toEqual([]);
  });

  it("exports each metric of fleet-metrics.ts with the type it declares, and its series with the labels and values it declares", () => {
    for (const [name, definition] of Object.entries(FLEET_METRICS)) {
      const family = families.get(name);
      expect(family?.type, name).toBe(definition.kind);
      for (const labels of family!.samples) {
        expect(Object.keys(labels).sort(), name).toEqual([...definition.labels].sort());
        for (const [label, values] of Object.entries(definition.values ?? {})) expect(values, `${name}{${label}="${labels[label]}"}`).toContain(labels[label]);
      }
    }
    expect(families.get("fleet_auth_failures_total")!.samples).toContainEqual({ kind: "missing" });
    expect(families.get("fleet_jobs_terminal")!.samples.map((labels) => labels.stage).sort()).toEqual(["cancelled", "dead_letter", "failed", "shipped"]);
  });
});
