import { describe, expect, it } from "vitest";
import { runScenario } from "./run-scenario.js";
import { SCENARIOS } from "./scenarios.js";

describe("live chaos slice", () => {
  it("broker-outage: real agents and SDKs ride out a refused broker; nothing lost or run twice", async () => {
    const scenario = SCENARIOS.find((s) => s.name === "broker-outage")!;
    const result = await runScenario(scenario, 15);
    expect(result.violations).toEqual([]);
    expect(result.figures.lost).toBe(0);
    expect(result.figures.duplicateCompletions).toBe(0);
    expect(result.figures.shipped).toBe(result.figures.jobs);
    // The fault fired: publishes failed during the outage and were relayed afterwards.
    expect(result.figures.publishFailures).toBeGreaterThan(0);
  }, 120_000);
});
