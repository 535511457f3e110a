import { afterAll, beforeAll, describe, it } from "vitest";
import { runBrokerContract } from "../../broker/contract/broker-contract.js";
import { serviceBusUnderTest } from "../support/service-bus-under-test.js";
import { containerRuntime } from "./container-runtime.js";
import { type RunningServiceBusEmulator, SERVICE_BUS_EMULATOR_IMAGE, startServiceBusEmulator } from "./service-bus-emulator.js";

/**
 * The broker contract, the same suite and assertions the memory broker and the local Service Bus
 * broker pass, through the production adapter against Microsoft's Service Bus emulator in a
 * container (with its SQL Server). Azure's limits apply: locks of at least 5 s, a duplicate
 * detection window of at least 20 s.
 */
const runtime = await containerRuntime();

if (!runtime.available) {
  console.info(`broker contract on the Service Bus emulator skipped: ${runtime.reason}`);
  describe.skip(`broker contract: Service Bus emulator (${runtime.reason})`, () => {
    it("runs the broker contract", () => undefined);
  });
} else {
  let emulator: RunningServiceBusEmulator;
  beforeAll(async () => {
    emulator = await startServiceBusEmulator();
  }, 300_000);
  afterAll(async () => {
    await emulator?.stop();
  });
  runBrokerContract(
    `Service Bus emulator (${SERVICE_BUS_EMULATOR_IMAGE})`,
    async () => serviceBusUnderTest(emulator.connectionString, emulator.administrationConnectionString),
    { lockDurationMs: 5000, scheduledCountsPerSubscription: false, duplicateDetectionWindowMs: 20_000 },
  );
}
