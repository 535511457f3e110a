import { describe, expect, it } from "vitest";
import { targetRows } from "../targets-table.js";
import { measureCoreInProcess } from "./core-in-process.js";
import { runE2eBenchmark } from "./e2e-benchmark.js";
import { E2E_FULL } from "./e2e-options.js";

const latency = { p50Ms: expect.any(Number), p99Ms: expect.any(Number), maxMs: expect.any(Number), samples: 20 };
const storeCost = { byKind: expect.any(Object), total: expect.any(Number), writes: expect.any(Number), reads: expect.any(Number), queries: expect.any(Number), ru: expect.any(Number) };
const brokerCost = { byKind: expect.any(Object), total: expect.any(Number) };

/** The benchmark runs end to end at a tiny size; no speed is asserted, only that it measured. */
describe("the end-to-end benchmark", () => {
  it("ships every job through the stack of processes and reports every figure", async () => {
    const lines: string[] = [];
    const report = await runE2eBenchmark({ ...E2E_FULL, rates: [20], jobs: 20, agents: 1, seats: 2, idleSeconds: 1 }, (line) => lines.push(line));
    expect(report.stamp).toMatchObject({ commit: expect.stringMatching(/^([0-9a-f]{40}|unknown)$/), dirty: expect.any(Boolean), date: expect.any(String) });
    expect(report.stamp.machine).toMatchObject({ cores: expect.any(Number), cpuModel: expect.any(String), memoryGb: expect.any(Number), node: process.version });
    expect(report.setup).toMatchObject({ agents: 1, seats: 2, submit: "single", store: "cosmos peer process, journalled" });
    expect(report.rates).toHaveLength(1);
    const [phase] = report.rates;
    expect(phase).toMatchObject({ offeredRate: 20, mode: "single", jobs: 20, acknowledged: 20, refused: [], shipped: 20, submitToAccept: latency, submitToAssigned: latency, assignedToAccept: latency, submitToShipped: latency });
    expect(phase!.throughputJobsPerSecond).toBeGreaterThan(0);
    for (const process of ["coordinator", "cosmos peer", "broker", "agents", "total"]) expect(phase!.cpuUsPerJob[process]).toBeGreaterThanOrEqual(0);
    expect(phase!.loadGeneratorCpuUsPerJob).toBeGreaterThanOrEqual(0);
    expect(phase!.storePerJob).toMatchObject(storeCost);
    // Every job was created and moved on by conditional writes; the broker carried each one.
    expect(phase!.storePerJob.writes).toBeGreaterThanOrEqual(1);
    expect(phase!.brokerPerJob).toMatchObject(brokerCost);
    expect(phase!.brokerPerJob.byKind.messagesDelivered).toBeGreaterThanOrEqual(1);
    expect(phase!.brokerPerJob.byKind["settle:complete"]).toBeGreaterThanOrEqual(1);
    for (const window of [report.idle!.withIdleAgents, report.idle!.scaledToZero]) {
      expect(window).toMatchObject({ seconds: expect.any(Number), storePerMinute: storeCost, brokerPerMinute: brokerCost, cpuMsPerSecond: expect.any(Object) });
      expect(window.cpuMsPerSecond.coordinator).toBeGreaterThanOrEqual(0);
    }
    expect(lines.some((line) => line.includes("offering 20 jobs/s"))).toBe(true);
    const rows = targetRows({ e2e: report, core: undefined, lifecycle: undefined });
    expect(rows.map((row) => row.figure)).toContain("idle cost, agents scaled to zero");
    for (const row of rows) expect(["yes", "no", "n/a"]).toContain(row.met);
  }, 60_000);

  it("runs the core in one process on the memory ports and ships every job", async () => {
    const result = await measureCoreInProcess({ jobs: 50, agents: 2, seats: 4, timeoutMs: 20_000 });
    expect(result).toMatchObject({ jobs: 50, agents: 2, seats: 4, shipped: 50, seconds: expect.any(Number), jobsPerSecond: expect.any(Number), cpuUsPerJob: expect.any(Number) });
  }, 30_000);
});
