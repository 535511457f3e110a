import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrokerTopology, OutgoingMessage } from "../port.js";
import { type LocalServiceBus, OPERATIONS_PATH, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import type { OperationCounts } from "../../peers/service-bus/operation-counts.js";
import { ServiceBusBroker } from "./service-bus-broker.js";

/** Publishing through the real SDK, counted at the local broker: one AMQP transfer per batch. */
describe("a Service Bus publish", () => {
  let local: LocalServiceBus;
  let broker: ServiceBusBroker;
  const topology: BrokerTopology = {
    topic: `batched-${process.pid}`,
    duplicateDetectionWindowMs: 60_000,
    subscriptions: [{ name: "a", lockDurationMs: 30_000, maxDeliveryCount: 5, deadLetterOnExpiration: false, filter: { pool: "a" } }],
  };
  const message = (id: string, padding = 0): OutgoingMessage => ({ messageId: id, body: { id, padding: "x".repeat(padding) }, applicationProperties: { pool: "a" } });
  const operations = async (): Promise<OperationCounts> => (await (await fetch(`http://127.0.0.1:${local.port}${OPERATIONS_PATH}`)).json()) as OperationCounts;

  beforeAll(async () => {
    local = await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
    broker = new ServiceBusBroker({ connectionString: local.connectionString });
    await broker.ensureTopology(topology);
    await broker.publish(topology.topic, [message("warm-up")]);
  });
  afterAll(async () => {
    await broker?.close();
    await local?.close();
  });

  it("sends a hundred messages as one transfer", async () => {
    const before = await operations();
    await broker.publish(topology.topic, Array.from({ length: 100 }, (_, i) => message(`m-${i}`)));
    const after = await operations();
    expect(after.sends - before.sends).toBe(1);
    expect(after.messagesSent - before.messagesSent).toBe(100);
    expect((await broker.counts(topology.topic, "a")).active).toBe(101);
    // Reading the counts was an administration request, and the broker counted it.
    expect((await operations()).administration).toBeGreaterThan(after.administration);
  });

  it("splits what does not fit in one batch (the link's 1 MB maximum here) into as few transfers as fit", async () => {
    const before = await operations();
    // Six messages of about 400 KB: two fit in a batch.
    await broker.publish(topology.topic, Array.from({ length: 6 }, (_, i) => message(`big-${i}`, 400_000)));
    const after = await operations();
    expect(after.sends - before.sends).toBe(3);
    expect(after.messagesSent - before.messagesSent).toBe(6);
    expect(local.operations().sends).toBe(after.sends);
  });
});
