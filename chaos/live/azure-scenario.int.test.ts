import { describe, expect, it } from "vitest";
import { azureTargetFromEnv } from "./live-stack.js";
import { runScenario } from "./run-scenario.js";
import { SCENARIOS } from "./scenarios.js";

// Opt-in: the live scenarios against real Azure resources, faults injected from the client side.
const target = azureTargetFromEnv();
if (target === undefined) {
  console.info("skipping live chaos against Azure: set FLEET_CHAOS_SERVICEBUS_NAMESPACE and FLEET_CHAOS_COSMOS_ENDPOINT (DefaultAzureCredential) to run it");
  describe.skip("live chaos against Azure (not configured)", () => undefined);
} else {
  describe(`live chaos against ${target.namespace}`, () => {
    for (const name of ["broker-outage", "factory-churn", "coordinator-crash"]) {
      it(`${name}: nothing lost, nothing run twice`, async () => {
        const result = await runScenario(SCENARIOS.find((s) => s.name === name)!, 15);
        expect(result.violations).toEqual([]);
      }, 300_000);
    }
  });
}
