import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrokerTopology, isBrokerError } from "../port.js";
import { ServiceBusBroker } from "./service-bus-broker.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { runBrokerContract } from "../contract/broker-contract.js";
import { serviceBusUnderTest } from "../../test/support/service-bus-under-test.js";

// One local protocol broker for this file; the real SDK talks AMQP and ATOM to it on 127.0.0.1.
let local: LocalServiceBus | undefined;
async function localBroker(): Promise<LocalServiceBus> {
  local ??= await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
  return local;
}
afterAll(async () => {
  await local?.close();
});

runBrokerContract("Service Bus adapter on the local broker", async () => {
  const { connectionString } = await localBroker();
  return serviceBusUnderTest(connectionString);
});

describe("Service Bus adapter through a broker outage", () => {
  let server: LocalServiceBus;
  let broker: ServiceBusBroker;
  const topology: BrokerTopology = {
    topic: `outage-${process.pid}`,
    duplicateDetectionWindowMs: 60_000,
    subscriptions: [{ name: "a", lockDurationMs: 5000, maxDeliveryCount: 5, deadLetterOnExpiration: true, filter: { pool: "a" } }],
  };
  const message = (id: string) => ({ messageId: id, body: { id }, applicationProperties: { pool: "a" } });

  beforeAll(async () => {
    // Its own broker: stopping it must not disturb the contract suite above.
    server = await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
    broker = new ServiceBusBroker({ connectionString: server.connectionString });
    await broker.ensureTopology(topology);
  });
  afterAll(async () => {
    await broker?.close();
    await server?.close();
  });

  it("fails fast with unavailable while the broker is down, and works again once it is back", async () => {
    const receiver = broker.openReceiver({ topic: topology.topic, subscription: "a" });
    // Warm up: the sender and the receiver link exist before the outage.
    await broker.publish(topology.topic, [message("before")]);
    const [before] = await receiver.receive(1, 3000);
    expect(before?.messageId).toBe("before");
    await receiver.complete(before!);

    const downAt = Date.now();
    await server.stop();
    const publishStarted = Date.now();
    const failure = await broker.publish(topology.topic, [message("during")]).then(
      () => undefined,
      (error: unknown) => error,
    );
    const publishTook = Date.now() - publishStarted;
    expect(isBrokerError(failure, "unavailable"), String(failure)).toBe(true);
    // The SDK's default retry (30 s apart) would hang here; the adapter's retry options do not.
    expect(publishTook).toBeLessThan(8000);
    await expect(broker.counts(topology.topic, "a")).rejects.toSatisfy((e: unknown) => isBrokerError(e, "unavailable"));

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2000 - (Date.now() - downAt))));
    await server.start();

    const restartedAt = Date.now();
    await broker.publish(topology.topic, [message("after")]);
    const got: string[] = [];
    const deadline = Date.now() + 10_000;
    while (!got.includes("after") && Date.now() < deadline) {
      const messages = await receiver.receive(1, 1000).catch((error: unknown) => {
        // The receiver's link may still be reconnecting: the caller's loop retries, as the agent does.
        if (!isBrokerError(error, "unavailable")) throw error;
        return [];
      });
      for (const m of messages) {
        got.push(m.messageId);
        await receiver.complete(m);
      }
    }
    expect(got).toContain("after");
    expect(Date.now() - restartedAt).toBeLessThan(5000);
    expect((await broker.counts(topology.topic, "a")).active).toBe(0);
    await receiver.close();
  });
});
