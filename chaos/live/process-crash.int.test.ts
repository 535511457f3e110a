import { describe, expect, it } from "vitest";
import { runScenario } from "./run-scenario.js";
import { SCENARIOS } from "./scenarios.js";

describe("live chaos with real processes", () => {
  it("coordinator-kill: SIGKILL of the coordinator process three times in a running workload loses nothing and runs nothing twice", async () => {
    const scenario = SCENARIOS.find((s) => s.name === "coordinator-kill")!;
    const result = await runScenario(scenario, 6);
    expect(result.violations).toEqual([]);
    expect(result.figures.faults["coordinator-kill"]).toBe(3);
    expect(result.figures.lost).toBe(0);
    expect(result.figures.duplicateCompletions).toBe(0);
    expect(result.figures.shipped).toBe(result.figures.jobs);
    // Every assignment went through the broker (its publish trace), after its commit.
    expect(Number(result.facts?.publishes)).toBeGreaterThanOrEqual(result.figures.jobs);
  }, 120_000);
});
