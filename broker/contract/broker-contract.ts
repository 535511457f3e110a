import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrokerPort,
  type BrokerReceiver,
  type BrokerTopology,
  isBrokerError,
  type OutgoingMessage,
  type PropertyValue,
  type ReceivedMessage,
} from "../port.js";

export interface BrokerUnderTest {
  broker: BrokerPort;
  cleanup(): Promise<void>;
  /** Moves time forward: virtual for the memory broker; default a real sleep (networked brokers). */
  advance?(ms: number): Promise<void>;
  /** The broker's "now" (ms since epoch); default Date.now(). Needed for scheduled messages. */
  now?(): number;
  /** Publishes a body that is NOT JSON (a foreign producer), bypassing the port's encoding. The
   * test that a non-JSON body comes back raw is skipped without it. */
  publishRaw?(topic: string, message: { messageId: string; text: string; applicationProperties: Record<string, PropertyValue> }): Promise<void>;
}

export interface BrokerContractOptions {
  /** Lock duration of the test subscriptions: short, as lock expiry is waited for in real time on a
   * networked broker. Azure's minimum is 5 s. Default 1500. */
  lockDurationMs?: number;
  /** Whether the broker reports scheduled messages per subscription (Azure may not). Default true. */
  scheduledCountsPerSubscription?: boolean;
  /** The duplicate-detection window of the test that waits it out (in real time on a networked
   * broker). Azure's minimum is 20 s. Default 1500. */
  duplicateDetectionWindowMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** How long a receive waits when a message is expected (a networked broker needs a round trip). */
const EXPECT_WAIT_MS = 3000;
/** How long a receive waits to show that nothing is delivered. */
const NOTHING_WAIT_MS = 400;

let topicCounter = 0;

/**
 * The broker port's contract (broker/port.ts), run against every adapter: the memory
 * broker on a virtual clock, the Service Bus adapter on the local protocol broker, and, when
 * configured, on Microsoft's emulator or a real namespace. Every test uses its own topic.
 */
export function runBrokerContract(name: string, make: () => Promise<BrokerUnderTest>, options: BrokerContractOptions = {}): void {
  const lockDurationMs = options.lockDurationMs ?? 1500;
  const duplicateWindowMs = options.duplicateDetectionWindowMs ?? 1500;

  describe(`broker contract: ${name}`, () => {
    let sut: BrokerUnderTest;
    let broker: BrokerPort;
    const advance = (ms: number) => (sut.advance === undefined ? realSleep(ms) : sut.advance(ms));
    const now = () => (sut.now === undefined ? Date.now() : sut.now());

    beforeAll(async () => {
      sut = await make();
      broker = sut.broker;
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    /** A fresh topic with subscriptions "a" and "b", each filtering on its own pool. */
    async function topic(overrides: { maxDeliveryCount?: number; deadLetterOnExpiration?: boolean; duplicateDetectionWindowMs?: number } = {}): Promise<BrokerTopology> {
      const topology: BrokerTopology = {
        topic: `contract-${process.pid}-${Date.now().toString(36)}-${++topicCounter}`,
        duplicateDetectionWindowMs: overrides.duplicateDetectionWindowMs ?? 60_000,
        subscriptions: ["a", "b"].map((pool) => ({
          name: pool,
          lockDurationMs,
          maxDeliveryCount: overrides.maxDeliveryCount ?? 5,
          deadLetterOnExpiration: overrides.deadLetterOnExpiration ?? true,
          filter: { pool },
        })),
      };
      await broker.ensureTopology(topology);
      return topology;
    }

    it("applies the topology idempotently: a second call changes nothing", async () => {
      const t = await topic();
      await broker.ensureTopology(t);
      expect(await broker.counts(t.topic, "a")).toEqual({ active: 0, deadLetter: 0, scheduled: 0 });
      // Still exactly one copy per matching subscription (no leftover $Default rule, no second rule).
      await broker.publish(t.topic, [msg("m1", "a")]);
      expect((await broker.counts(t.topic, "a")).active).toBe(1);
      expect((await broker.counts(t.topic, "b")).active).toBe(0);
      await broker.ensureTopology(t);
      expect((await broker.counts(t.topic, "a")).active).toBe(1);
    });

    it("updates subscription settings on a later call (max delivery count)", async () => {
      const t = await topic({ maxDeliveryCount: 5 });
      await broker.ensureTopology({ ...t, subscriptions: t.subscriptions.map((s) => ({ ...s, maxDeliveryCount: 1 })) });
      await broker.publish(t.topic, [msg("once", "a")]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      await r.abandon(await one(r));
      expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
      expect((await broker.counts(t.topic, "a")).deadLetter).toBe(1);
      await r.close();
    });

    it("publishes, receives in peek-lock and completes", async () => {
      const t = await topic();
      const before = now();
      await broker.publish(t.topic, [msg("p1", "a", { kind: "assignment", n: 1, nested: { ok: true } }), msg("p2", "a", [1, "two"])]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const got = await receiveAll(r, 2);
      expect(got.map((m) => m.messageId)).toEqual(["p1", "p2"]);
      const [first, second] = got as [ReceivedMessage, ReceivedMessage];
      expect(first.body).toEqual({ kind: "assignment", n: 1, nested: { ok: true } });
      expect(second.body).toEqual([1, "two"]);
      expect(first.applicationProperties).toEqual({ pool: "a", jobId: "p1" });
      expect(first.deliveryCount).toBe(0);
      expect(first.enqueuedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(first.lockedUntil).toBeGreaterThan(first.enqueuedAt);
      expect(second.sequenceNumber).toBeGreaterThan(first.sequenceNumber);
      for (const m of got) await r.complete(m);
      expect((await broker.counts(t.topic, "a")).active).toBe(0);
      expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
      await r.close();
    });

    it("routes by the pool correlation filter: a message for pool a never reaches b", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("ra1", "a"), msg("rb1", "b"), msg("ra2", "a"), msg("rc1", "c")]);
      const a = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const b = broker.openReceiver({ topic: t.topic, subscription: "b" });
      const fromA = await receiveAll(a, 2);
      const fromB = await receiveAll(b, 1);
      expect(fromA.map((m) => m.messageId)).toEqual(["ra1", "ra2"]);
      expect(fromB.map((m) => m.messageId)).toEqual(["rb1"]);
      expect(await a.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      expect(await b.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      expect((await broker.counts(t.topic, "b")).active).toBe(1);
      await Promise.all([a.close(), b.close()]);
    });

    it("redelivers an abandoned message with deliveryCount + 1", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("ab", "a", { v: 1 })]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const first = await one(r);
      await r.abandon(first);
      const second = await one(r);
      expect(second.messageId).toBe("ab");
      expect(second.body).toEqual({ v: 1 });
      expect(second.deliveryCount).toBe(first.deliveryCount + 1);
      await expect(r.complete(first)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
      await r.complete(second);
      await r.close();
    });

    it("redelivers after the lock expires with deliveryCount + 1; the old lock is lost", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("exp", "a")]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const first = await one(r);
      // Locked: nobody else gets it meanwhile.
      const other = broker.openReceiver({ topic: t.topic, subscription: "a" });
      expect(await other.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
      await other.close();
      await advance(lockDurationMs + 500);
      const second = await one(r);
      expect(second.messageId).toBe("exp");
      expect(second.deliveryCount).toBe(first.deliveryCount + 1);
      await expect(r.complete(first)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
      await expect(r.renewLock(first)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
      await r.complete(second);
      await r.close();
    });

    it("renewLock extends the lock past its original expiry", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("ren", "a")]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const m = await one(r);
      await advance(Math.round(lockDurationMs * 0.5));
      const renewedUntil = await r.renewLock(m);
      expect(renewedUntil).toBeGreaterThan(m.lockedUntil);
      // Past the original lock, well within the renewed one: still ours to complete.
      await advance(Math.round(lockDurationMs * 0.75));
      await r.complete(m);
      expect((await broker.counts(t.topic, "a")).active).toBe(0);
      await r.close();
    });

    it("dead-letters past the max delivery count with MaxDeliveryCountExceeded; the DLQ reads and completes it", async () => {
      const t = await topic({ maxDeliveryCount: 2 });
      await broker.publish(t.topic, [msg("poison", "a", { bad: true })]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      await r.abandon(await one(r));
      await r.abandon(await one(r));
      expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
      expect(await broker.counts(t.topic, "a")).toMatchObject({ active: 0, deadLetter: 1 });
      const dlq = broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
      const dead = await one(dlq);
      expect(dead.messageId).toBe("poison");
      expect(dead.body).toEqual({ bad: true });
      expect(dead.applicationProperties.pool).toBe("a");
      expect(dead.deadLetterReason).toBe("MaxDeliveryCountExceeded");
      await dlq.complete(dead);
      expect(await broker.counts(t.topic, "a")).toMatchObject({ active: 0, deadLetter: 0 });
      await Promise.all([r.close(), dlq.close()]);
    });

    it("dead-letters on request with the reason and description, readable from the DLQ", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("dl1", "a"), msg("dl2", "a")]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const [m1, m2] = (await receiveAll(r, 2)) as [ReceivedMessage, ReceivedMessage];
      await r.deadLetter(m1, "InvalidAssignment", "jobId: required");
      await r.deadLetter(m2, "Stale");
      await expect(r.complete(m1)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
      expect(await broker.counts(t.topic, "a")).toMatchObject({ active: 0, deadLetter: 2 });
      const dlq = broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
      const dead = await receiveAll(dlq, 2);
      const byId = new Map(dead.map((m) => [m.messageId, m]));
      expect(byId.get("dl1")).toMatchObject({ deadLetterReason: "InvalidAssignment", deadLetterDescription: "jobId: required", body: { id: "dl1" } });
      expect(byId.get("dl2")?.deadLetterReason).toBe("Stale");
      expect(byId.get("dl2")?.deadLetterDescription ?? undefined).toBeUndefined();
      for (const m of dead) await dlq.complete(m);
      expect((await broker.counts(t.topic, "a")).deadLetter).toBe(0);
      await Promise.all([r.close(), dlq.close()]);
    });

    it("drops a duplicate message id within the duplicate-detection window", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("job-1:1", "a", { copy: 1 })]);
      await broker.publish(t.topic, [msg("job-1:1", "a", { copy: 2 }), msg("job-1:2", "a", { copy: 3 })]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const got = await receiveAll(r, 2);
      expect(got.map((m) => m.body)).toEqual([{ copy: 1 }, { copy: 3 }]);
      expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      // Completing the first copy does not reopen the window either.
      for (const m of got) await r.complete(m);
      await broker.publish(t.topic, [msg("job-1:1", "a", { copy: 4 })]);
      expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      await r.close();
    });

    it("delivers a message id again once the duplicate-detection window has passed; within it, the copy is dropped", async () => {
      // The relay's republish after a restart relies on both halves: inside the window a copy is
      // absorbed; past it, the same id is a new message (so the window must outlast a recovery).
      const t = await topic({ duplicateDetectionWindowMs: duplicateWindowMs });
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      await broker.publish(t.topic, [msg("job-9:1", "a", { copy: 1 })]);
      await advance(Math.floor(duplicateWindowMs / 3));
      await broker.publish(t.topic, [msg("job-9:1", "a", { copy: 2 })]);
      const within = await receiveAll(r, 1);
      expect(within.map((m) => m.body)).toEqual([{ copy: 1 }]);
      expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      await r.complete(within[0]!);
      // Past the window from every earlier publish of that id (whether or not a dropped copy renews it).
      await advance(duplicateWindowMs + 500);
      await broker.publish(t.topic, [msg("job-9:1", "a", { copy: 3 })]);
      const after = await receiveAll(r, 1);
      expect(after.map((m) => m.body)).toEqual([{ copy: 3 }]);
      await r.complete(after[0]!);
      await r.close();
    });

    it("never delivers an expired message: TTLExpiredException in the DLQ with deadLetterOnExpiration, gone without", async () => {
      const t = await topic();
      // b does not dead-letter on expiration.
      await broker.ensureTopology({ ...t, subscriptions: t.subscriptions.map((s) => (s.name === "b" ? { ...s, deadLetterOnExpiration: false } : s)) });
      await broker.publish(t.topic, [msg("late-a", "a", 1, { timeToLiveMs: 300 }), msg("late-b", "b", 2, { timeToLiveMs: 300 }), msg("fresh", "a", 3)]);
      await advance(800);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const live = await receiveAll(r, 1);
      expect(live.map((m) => m.messageId)).toEqual(["fresh"]);
      expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      const dlq = broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
      const dead = await one(dlq);
      expect(dead.messageId).toBe("late-a");
      expect(dead.deadLetterReason).toBe("TTLExpiredException");
      const b = broker.openReceiver({ topic: t.topic, subscription: "b" });
      expect(await b.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
      expect(await broker.counts(t.topic, "b")).toMatchObject({ active: 0, deadLetter: 0 });
      await Promise.all([r.close(), dlq.close(), b.close()]);
    });

    it("holds a scheduled message until its time", async () => {
      const t = await topic();
      await broker.publish(t.topic, [{ ...msg("sched", "a"), scheduledEnqueueAt: now() + 1500 }]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
      const counts = await broker.counts(t.topic, "a");
      expect(counts.active).toBe(0);
      if (options.scheduledCountsPerSubscription !== false) expect(counts.scheduled).toBe(1);
      await advance(1800);
      const m = await one(r);
      expect(m.messageId).toBe("sched");
      await r.complete(m);
      await r.close();
    });

    it("counts active messages including locked ones, and dead letters", async () => {
      const t = await topic();
      await broker.publish(t.topic, ["c1", "c2", "c3"].map((id) => msg(id, "a")));
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const [c1, c2] = (await receiveAll(r, 2)) as [ReceivedMessage, ReceivedMessage];
      expect(await broker.counts(t.topic, "a")).toEqual({ active: 3, deadLetter: 0, scheduled: 0 });
      await r.deadLetter(c1, "Test");
      await r.complete(c2);
      expect(await broker.counts(t.topic, "a")).toEqual({ active: 1, deadLetter: 1, scheduled: 0 });
      await r.close();
    });

    it("never returns (or locks) more than max", async () => {
      const t = await topic();
      await broker.publish(t.topic, ["x1", "x2", "x3", "x4", "x5"].map((id) => msg(id, "a")));
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const first = await r.receive(2, EXPECT_WAIT_MS);
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(2);
      // Whatever this receiver did not get is still available to another one: nothing was locked ahead.
      const other = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const rest = await receiveAll(other, 5 - first.length);
      expect(new Set([...first, ...rest].map((m) => m.messageId)).size).toBe(5);
      expect(await broker.counts(t.topic, "a")).toMatchObject({ active: 5 });
      await Promise.all([r.close(), other.close()]);
    });

    it("returns a non-JSON body raw, for the caller to validate and dead-letter", async (context) => {
      if (sut.publishRaw === undefined) return context.skip();
      const t = await topic();
      await sut.publishRaw(t.topic, { messageId: "raw", text: "not json {", applicationProperties: { pool: "a" } });
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const m = await one(r);
      expect(m.body).toBe("not json {");
      await r.deadLetter(m, "InvalidAssignment", "body is not JSON");
      expect((await broker.counts(t.topic, "a")).deadLetter).toBe(1);
      await r.close();
    });

    it("fails with not_found for a missing topic or subscription", async () => {
      const t = await topic();
      await expect(broker.publish(`${t.topic}-missing`, [msg("nf", "a")])).rejects.toSatisfy((e: unknown) => isBrokerError(e, "not_found"));
      await expect(broker.counts(t.topic, "missing")).rejects.toSatisfy((e: unknown) => isBrokerError(e, "not_found"));
      const r = broker.openReceiver({ topic: t.topic, subscription: "missing" });
      await expect(r.receive(1, NOTHING_WAIT_MS)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "not_found"));
      await r.close();
    });

    it("rejects calls on a closed receiver with BrokerError('invalid')", async () => {
      const t = await topic();
      await broker.publish(t.topic, [msg("cl", "a")]);
      const r = broker.openReceiver({ topic: t.topic, subscription: "a" });
      const m = await one(r);
      await r.close();
      await expect(r.receive(1, NOTHING_WAIT_MS)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "invalid"));
      await expect(r.complete(m)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "invalid"));
    });
  });
}

function msg(id: string, pool: string, body: unknown = { id }, extra: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { messageId: id, body, applicationProperties: { pool, jobId: id }, ...extra };
}

/** Exactly one message, waiting for it as long as a networked broker may need. */
async function one(receiver: BrokerReceiver): Promise<ReceivedMessage> {
  const [message] = await receiveAll(receiver, 1);
  if (message === undefined) throw new Error("expected a message, received none");
  return message;
}

/** Receives until `count` messages arrived or the wait is over (a broker may split a batch). */
async function receiveAll(receiver: BrokerReceiver, count: number): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + EXPECT_WAIT_MS;
  while (received.length < count) {
    const got = await receiver.receive(count - received.length, Math.max(1, Math.min(1000, deadline - Date.now())));
    expect(got.length).toBeLessThanOrEqual(count - received.length);
    received.push(...got);
    if (Date.now() >= deadline) break;
    if (got.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(received).toHaveLength(count);
  return received;
}
