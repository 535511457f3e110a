import { describe } from "vitest";
import { ServiceBusBroker } from "../dispatcher/broker/service-bus/service-bus-broker.js";
import { runBrokerContract } from "./broker-contract.js";

// Opt-in: the same contract against Microsoft's emulator or a real namespace.
const connectionString = process.env.FLEET_SERVICEBUS_CONNECTION_STRING;
if (connectionString === undefined) {
  console.info("skipping the broker contract against Azure Service Bus: set FLEET_SERVICEBUS_CONNECTION_STRING (a namespace or Microsoft's emulator) to run it");
  describe.skip("broker contract: Azure Service Bus (FLEET_SERVICEBUS_CONNECTION_STRING not set)", () => undefined);
} else {
  runBrokerContract("Azure Service Bus", async () => {
    const broker = new ServiceBusBroker({ connectionString });
    return { broker, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), cleanup: () => broker.close() };
  });
}
