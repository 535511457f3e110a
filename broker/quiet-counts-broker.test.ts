import { describe, expect, it } from "vitest";
import { MemoryBroker } from "./memory/memory-broker.js";
import type { BrokerPort, BrokerTopology, SubscriptionCounts } from "./port.js";
import { QuietCountsBroker } from "./quiet-counts-broker.js";

const topology: BrokerTopology = {
  topic: "assignments",
  duplicateDetectionWindowMs: 60_000,
  subscriptions: [{ name: "general", lockDurationMs: 5000, maxDeliveryCount: 2, deadLetterOnExpiration: false, filter: { pool: "general" } }],
};

async function setUp() {
  let now = 1_000_000;
  const memory = new MemoryBroker({ clock: { now: () => now } });
  await memory.ensureTopology(topology);
  let reads = 0;
  // Counts every read that reaches the broker.
  const counted: BrokerPort = {
    ensureTopology: (t) => memory.ensureTopology(t),
    publish: (t, m) => memory.publish(t, m),
    openReceiver: (address) => memory.openReceiver(address),
    counts: (t, s): Promise<SubscriptionCounts> => {
      reads++;
      return memory.counts(t, s);
    },
    close: () => memory.close(),
  };
  const broker = new QuietCountsBroker(counted, { now: () => now, ttlMs: 5000 });
  const publish = (id: string) => broker.publish("assignments", [{ messageId: id, body: { id }, applicationProperties: { pool: "general" } }]);
  return { broker, publish, reads: () => reads, advance: (ms: number) => (now += ms) };
}

describe("subscription counts that cost nothing while nothing happens", () => {
  it("reads an empty subscription once, and never again until something is published", async () => {
    const { broker, publish, reads, advance } = await setUp();
    expect(await broker.counts("assignments", "general")).toMatchObject({ active: 0, deadLetter: 0 });
    for (let minute = 0; minute < 60; minute++) {
      advance(60_000);
      await broker.counts("assignments", "general");
    }
    expect(reads()).toBe(1);
    expect(broker.isQuiet("assignments", ["general"])).toBe(true);
    await publish("a");
    expect(broker.isQuiet("assignments", ["general"])).toBe(false);
    expect((await broker.counts("assignments", "general")).active).toBe(1);
    expect(reads()).toBe(2);
  });

  it("re-reads a subscription holding messages at most once per TTL, and again after a settlement", async () => {
    const { broker, publish, reads, advance } = await setUp();
    await publish("a");
    await broker.counts("assignments", "general");
    advance(4000);
    await broker.counts("assignments", "general");
    expect(reads()).toBe(1);
    advance(1000);
    await broker.counts("assignments", "general");
    expect(reads()).toBe(2);
    expect(broker.isQuiet("assignments", ["general"])).toBe(false);
    const receiver = broker.openReceiver({ topic: "assignments", subscription: "general" });
    const [message] = await receiver.receive(1, 0);
    await receiver.complete(message!);
    // The settlement made the cached counts stale: read at once, and now empty and quiet.
    expect((await broker.counts("assignments", "general")).active).toBe(0);
    expect(reads()).toBe(3);
    expect(broker.isQuiet("assignments", ["general"])).toBe(true);
    advance(3_600_000);
    await broker.counts("assignments", "general");
    expect(reads()).toBe(3);
  });

  it("is not quiet for a subscription it never read", async () => {
    const { broker } = await setUp();
    expect(broker.isQuiet("assignments", ["general"])).toBe(false);
  });
});
