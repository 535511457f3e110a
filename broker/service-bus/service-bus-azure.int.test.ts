import { describe, it } from "vitest";
import { runBrokerContract } from "../contract/broker-contract.js";
import { serviceBusUnderTest } from "../../test/support/service-bus-under-test.js";

/**
 * Opt-in: the same broker contract against Microsoft's Service Bus emulator or a real namespace,
 * given its connection string in FLEET_SERVICEBUS_CONNECTION_STRING (Manage rights: the suite
 * creates one topic per test, named contract-<pid>-...; delete them afterwards on a shared
 * namespace). @testcontainers/azureservicebus is not a dependency of this project, so the emulator
 * is not started from here: run it yourself and point the variable at it.
 */
const connectionString = process.env.FLEET_SERVICEBUS_CONNECTION_STRING;

if (connectionString === undefined || connectionString.trim() === "") {
  // Module scope: printed once per run of this file, whatever the number of tests.
  console.info("broker-azure.int.test.ts skipped: FLEET_SERVICEBUS_CONNECTION_STRING is not set (point it at Microsoft's Service Bus emulator or a namespace to run the broker contract there)");
  describe.skip("broker contract: Azure Service Bus (FLEET_SERVICEBUS_CONNECTION_STRING not set)", () => {
    it("runs the broker contract", () => undefined);
  });
} else {
  runBrokerContract(
    "Azure Service Bus (FLEET_SERVICEBUS_CONNECTION_STRING)",
    async () => serviceBusUnderTest(connectionString),
    // Azure's minimum lock duration is 5 s; scheduled messages may be counted at the topic.
    { lockDurationMs: 5000, scheduledCountsPerSubscription: false },
  );
}
