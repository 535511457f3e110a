import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrokerPort, type BrokerTopology, isBrokerError } from "../dispatcher/broker/port.js";

export interface BrokerUnderTest {
  broker: BrokerPort;
  /** Moves time forward: virtual for the memory broker, a real sleep for a networked one. */
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

let topics = 0;
function topology(lockDurationMs = 1000, maxDeliveryCount = 3): BrokerTopology {
  return {
    topic: `contract-${process.pid}-${++topics}`,
    duplicateDetectionWindowMs: 60_000,
    subscriptions: ["a", "b"].map((pool) => ({ name: pool, lockDurationMs, maxDeliveryCount, deadLetterOnExpiration: true, filter: { pool } })),
  };
}

const msg = (id: string, pool: string, body: unknown = { id }, extra: { timeToLiveMs?: number } = {}) => ({ messageId: id, body, applicationProperties: { pool, jobId: id }, ...extra });

/** The broker port's contract, run against every adapter. */
export function runBrokerContract(name: string, make: () => Promise<BrokerUnderTest>): void {
  describe(`broker contract: ${name}`, () => {
    let b: BrokerUnderTest;
    beforeAll(async () => {
      b = await make();
    });
    afterAll(async () => b.cleanup());

    it("applies the topology idempotently", async () => {
      const t = topology();
      await b.broker.ensureTopology(t);
      await b.broker.ensureTopology(t);
      expect(await b.broker.counts(t.topic, "a")).toEqual({ active: 0, deadLetter: 0, scheduled: 0 });
    });

    it("publishes, routes by pool, receives in peek-lock and completes", async () => {
      const t = topology();
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [msg("1", "a"), msg("2", "b"), msg("3", "a")]);
      const a = b.broker.openReceiver({ topic: t.topic, subscription: "a" });
      const got = await a.receive(1, 500);
      expect(got).toHaveLength(1);
      expect(got[0]!.body).toEqual({ id: "1" });
      expect(got[0]!.applicationProperties.pool).toBe("a");
      expect(got[0]!.deliveryCount).toBe(0);
      const more = await a.receive(10, 500);
      expect(more.map((m) => m.messageId)).toEqual(["3"]);
      for (const m of [...got, ...more]) await a.complete(m);
      expect((await b.broker.counts(t.topic, "a")).active).toBe(0);
      expect((await b.broker.counts(t.topic, "b")).active).toBe(1);
      await a.close();
    });

    it("redelivers an abandoned message and an expired lock with deliveryCount + 1; renew extends", async () => {
      const t = topology(1000);
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [msg("x", "a")]);
      const r = b.broker.openReceiver({ topic: t.topic, subscription: "a" });
      const [first] = await r.receive(1, 500);
      await r.abandon(first!);
      const [second] = await r.receive(1, 500);
      expect(second!.deliveryCount).toBe(1);
      const renewed = await r.renewLock(second!);
      expect(renewed).toBeGreaterThan(second!.lockedUntil - 1);
      await b.advance(1300);
      const [third] = await r.receive(1, 1000);
      expect(third!.messageId).toBe("x");
      expect(third!.deliveryCount).toBe(2);
      await expect(r.complete(second!)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
      await r.complete(third!);
      await r.close();
    });

    it("dead-letters past the max delivery count, with the reason, readable from the DLQ", async () => {
      const t = topology(1000, 2);
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [msg("poison", "a")]);
      const r = b.broker.openReceiver({ topic: t.topic, subscription: "a" });
      for (let i = 0; i < 2; i++) await r.abandon((await r.receive(1, 500))[0]!);
      expect(await r.receive(1, 100)).toHaveLength(0);
      expect((await b.broker.counts(t.topic, "a")).deadLetter).toBe(1);
      const dlq = b.broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
      const [dead] = await dlq.receive(1, 500);
      expect(dead!.deadLetterReason).toBe("MaxDeliveryCountExceeded");
      await dlq.complete(dead!);
      expect((await b.broker.counts(t.topic, "a")).deadLetter).toBe(0);
      await r.close();
      await dlq.close();
    });

    it("dead-letters on request with reason and description", async () => {
      const t = topology();
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [msg("bad", "a", "not json at all")]);
      const r = b.broker.openReceiver({ topic: t.topic, subscription: "a" });
      const [m] = await r.receive(1, 500);
      expect(m!.body).toBe("not json at all");
      await r.deadLetter(m!, "InvalidAssignment", "kind: required");
      const [dead] = await b.broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true }).receive(1, 500);
      expect(dead!.deadLetterReason).toBe("InvalidAssignment");
      expect(dead!.deadLetterDescription).toBe("kind: required");
    });

    it("drops a duplicate message id within the window", async () => {
      const t = topology();
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [msg("j:1", "a", 1)]);
      await b.broker.publish(t.topic, [msg("j:1", "a", 2), msg("j:2", "a", 3)]);
      const got = await b.broker.openReceiver({ topic: t.topic, subscription: "a" }).receive(10, 500);
      expect(got.map((m) => m.body)).toEqual([1, 3]);
    });

    it("never delivers an expired message and dead-letters it with TTLExpiredException", async () => {
      const t = topology();
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [msg("late", "a", 1, { timeToLiveMs: 200 })]);
      await b.advance(400);
      expect(await b.broker.openReceiver({ topic: t.topic, subscription: "a" }).receive(1, 100)).toHaveLength(0);
      const [dead] = await b.broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true }).receive(1, 500);
      expect(dead!.deadLetterReason).toBe("TTLExpiredException");
    });

    it("never locks more than asked for; active counts include locked messages", async () => {
      const t = topology();
      await b.broker.ensureTopology(t);
      await b.broker.publish(t.topic, [1, 2, 3, 4].map((i) => msg(`m${i}`, "a", i)));
      const r = b.broker.openReceiver({ topic: t.topic, subscription: "a" });
      expect(await r.receive(2, 500)).toHaveLength(2);
      expect((await b.broker.counts(t.topic, "a")).active).toBe(4);
      await r.close();
    });
  });
}
