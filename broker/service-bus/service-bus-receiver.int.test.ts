import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrokerTopology, OutgoingMessage } from "../port.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { ServiceBusBroker } from "./service-bus-broker.js";

/** The real SDK against the local protocol broker: a receive ends as soon as a message is there. */
describe("a Service Bus receive with messages waiting", () => {
  let local: LocalServiceBus;
  let broker: ServiceBusBroker;
  const topology: BrokerTopology = {
    topic: `prompt-${process.pid}`,
    duplicateDetectionWindowMs: 60_000,
    subscriptions: [{ name: "a", lockDurationMs: 30_000, maxDeliveryCount: 5, deadLetterOnExpiration: false, filter: { pool: "a" } }],
  };
  const message = (id: string): OutgoingMessage => ({ messageId: id, body: { id }, applicationProperties: { pool: "a" } });

  beforeAll(async () => {
    local = await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
    broker = new ServiceBusBroker({ connectionString: local.connectionString });
    await broker.ensureTopology(topology);
  });
  afterAll(async () => {
    await broker?.close();
    await local?.close();
  });

  // The SDK alone waits 1 s after a first message for a batch to fill: five receives of one
  // waiting message each would take over 5 s. The test's timeout is the bound.
  it("returns the one message there is at once, five times over, although each may wait 20 s and ask for 8", { timeout: 4000 }, async () => {
    const receiver = broker.openReceiver({ topic: topology.topic, subscription: "a" });
    // The link exists before the clock starts.
    expect(await receiver.receive(8, 1)).toEqual([]);
    for (let i = 0; i < 5; i++) {
      await broker.publish(topology.topic, [message(`one-${i}`)]);
      const got = await receiver.receive(8, 20_000);
      expect(got.map((m) => m.messageId)).toEqual([`one-${i}`]);
      await receiver.complete(got[0]!);
    }
    await receiver.close();
  });

  it("returns a message published while it waits, and brings every waiting one up to its maximum, never more", { timeout: 4000 }, async () => {
    const receiver = broker.openReceiver({ topic: topology.topic, subscription: "a" });
    const waiting = receiver.receive(3, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await broker.publish(topology.topic, [message("late")]);
    const [late] = await waiting;
    expect(late?.messageId).toBe("late");
    await receiver.complete(late!);

    await broker.publish(topology.topic, ["b1", "b2", "b3", "b4", "b5"].map(message));
    const batch = await receiver.receive(3, 20_000);
    expect(batch.map((m) => m.messageId)).toEqual(["b1", "b2", "b3"]);
    // The other two were not locked by that receive: a second receiver gets them at once.
    const other = broker.openReceiver({ topic: topology.topic, subscription: "a" });
    const rest = await other.receive(5, 20_000);
    expect(rest.map((m) => m.messageId)).toEqual(["b4", "b5"]);
    for (const m of batch) await receiver.complete(m);
    for (const m of rest) await other.complete(m);
    await receiver.close();
    await other.close();
  });
});
