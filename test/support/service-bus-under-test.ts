import { ServiceBusClient } from "@azure/service-bus";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import type { BrokerUnderTest } from "../../broker/contract/broker-contract.js";

/**
 * The Service Bus adapter on the namespace behind a connection string, with a foreign producer
 * beside it: a plain SDK client that sends raw bytes that are not JSON, as a stray tool would.
 */
export function serviceBusUnderTest(connectionString: string, administrationConnectionString?: string): BrokerUnderTest {
  const broker = new ServiceBusBroker({ connectionString, ...(administrationConnectionString === undefined ? {} : { administrationConnectionString }) });
  const raw = new ServiceBusClient(connectionString);
  return {
    broker,
    publishRaw: async (topic, message) => {
      const sender = raw.createSender(topic);
      try {
        await sender.sendMessages({ messageId: message.messageId, body: Buffer.from(message.text, "utf8"), applicationProperties: message.applicationProperties });
      } finally {
        await sender.close();
      }
    },
    cleanup: async () => {
      await raw.close();
      await broker.close();
    },
  };
}
