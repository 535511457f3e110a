import { describe, expect, it } from "vitest";
import { MemoryBroker, type BrokerFault, type BrokerFaultOp } from "./memory-broker.js";
import { type BrokerTopology, isBrokerError } from "../port.js";
import { createBroker } from "../registry.js";
import { runBrokerContract } from "../contract/broker-contract.js";
import { ManualClock } from "../../test/support/manual-clock.js";

runBrokerContract("memory (virtual clock)", async () => {
  const clock = new ManualClock();
  const broker = new MemoryBroker({ clock });
  return {
    broker,
    now: () => clock.now(),
    advance: async (ms) => void clock.advance(ms),
    publishRaw: async (topic, message) => broker.publishRaw(topic, [message]),
    cleanup: () => broker.close(),
  };
});

const topology: BrokerTopology = {
  topic: "t",
  duplicateDetectionWindowMs: 10_000,
  subscriptions: [{ name: "a", lockDurationMs: 1000, maxDeliveryCount: 3, deadLetterOnExpiration: true, filter: { pool: "a" } }],
};
const message = (id: string) => ({ messageId: id, body: { id }, applicationProperties: { pool: "a" } });

describe("memory broker: what only the simulator needs", () => {
  it("lets a duplicate through once the window has passed, on the virtual clock", async () => {
    const clock = new ManualClock();
    const broker = new MemoryBroker({ clock });
    await broker.ensureTopology(topology);
    await broker.publish("t", [message("m")]);
    clock.advance(9_999);
    await broker.publish("t", [message("m")]);
    expect((await broker.counts("t", "a")).active).toBe(1);
    clock.advance(1);
    await broker.publish("t", [message("m")]);
    expect((await broker.counts("t", "a")).active).toBe(2);
  });

  it("injects faults: refuse applies nothing, drop-ack applies and then times out", async () => {
    let fault: BrokerFault = "none";
    const seen: BrokerFaultOp[] = [];
    const broker = new MemoryBroker({
      clock: new ManualClock(),
      faults: (op) => {
        seen.push(op);
        return fault;
      },
    });
    await broker.ensureTopology(topology);
    fault = "refuse";
    await expect(broker.publish("t", [message("r")])).rejects.toSatisfy((e: unknown) => isBrokerError(e, "unavailable"));
    await expect(broker.counts("t", "a")).rejects.toSatisfy((e: unknown) => isBrokerError(e, "unavailable"));
    fault = "drop-ack";
    await expect(broker.publish("t", [message("d")])).rejects.toSatisfy((e: unknown) => isBrokerError(e, "timeout"));
    fault = "none";
    // The retry after the lost acknowledgement is dropped by duplicate detection: exactly one copy.
    await broker.publish("t", [message("d")]);
    const receiver = broker.openReceiver({ topic: "t", subscription: "a" });
    const got = await receiver.receive(10, 0);
    expect(got.map((m) => m.messageId)).toEqual(["d"]);
    fault = "refuse";
    await expect(receiver.complete(got[0]!)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "unavailable"));
    fault = "drop-ack";
    await expect(receiver.complete(got[0]!)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "timeout"));
    fault = "none";
    expect((await broker.counts("t", "a")).active).toBe(0);
    expect(seen).toEqual(["publish", "counts", "publish", "publish", "receive", "settle", "settle", "counts"]);
  });

  it("uses no timers: a lock never expires while the virtual clock stands still", async () => {
    const clock = new ManualClock();
    const broker = new MemoryBroker({ clock });
    await broker.ensureTopology({ ...topology, subscriptions: topology.subscriptions.map((s) => ({ ...s, lockDurationMs: 50 })) });
    await broker.publish("t", [message("held")]);
    const receiver = broker.openReceiver({ topic: "t", subscription: "a" });
    const [held] = await receiver.receive(1, 0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await receiver.receive(1, 0)).toHaveLength(0);
    await receiver.complete(held!);
  });

  it("in realTime mode waits up to maxWaitMs for a message and wakes on publish", async () => {
    const broker = createBroker({ kind: "memory", realTime: true });
    await broker.ensureTopology(topology);
    const receiver = broker.openReceiver({ topic: "t", subscription: "a" });
    const started = Date.now();
    expect(await receiver.receive(1, 150)).toHaveLength(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    setTimeout(() => void broker.publish("t", [message("late")]), 50);
    const [got] = await receiver.receive(1, 5000);
    expect(got?.messageId).toBe("late");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("rejects a body that is not JSON-serialisable before accepting anything", async () => {
    const broker = new MemoryBroker({ clock: new ManualClock() });
    await broker.ensureTopology(topology);
    await expect(broker.publish("t", [message("ok"), { ...message("big"), body: 1n }])).rejects.toSatisfy((e: unknown) => isBrokerError(e, "invalid"));
    expect((await broker.counts("t", "a")).active).toBe(0);
  });
});
