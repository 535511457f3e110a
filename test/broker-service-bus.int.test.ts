import { ServiceBusBroker } from "../dispatcher/broker/service-bus/service-bus-broker.js";
import { startLocalServiceBus } from "../peers/service-bus/broker.js";
import { runBrokerContract } from "./broker-contract.js";

runBrokerContract("Service Bus adapter on the local broker", async () => {
  const local = await startLocalServiceBus({ sweepIntervalMs: 50 });
  const broker = new ServiceBusBroker({ connectionString: local.connectionString });
  return {
    broker,
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    cleanup: async () => {
      await broker.close();
      await local.close();
    },
  };
});
