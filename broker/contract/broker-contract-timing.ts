import { expect, it } from "vitest";
import { type BrokerContractContext, msg, one, receiveAll, NOTHING_WAIT_MS } from "./broker-contract-context.js";

/** Time-based behaviour: duplicate detection, time to live, scheduled messages. */
export function timingCases(c: BrokerContractContext): void {
  it("drops a duplicate message id within the duplicate-detection window", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("job-1:1", "a", { copy: 1 })]);
    await c.broker.publish(t.topic, [msg("job-1:1", "a", { copy: 2 }), msg("job-1:2", "a", { copy: 3 })]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const got = await receiveAll(r, 2);
    expect(got.map((m) => m.body)).toEqual([{ copy: 1 }, { copy: 3 }]);
    expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
    // Completing the first copy does not reopen the window either.
    for (const m of got) await r.complete(m);
    await c.broker.publish(t.topic, [msg("job-1:1", "a", { copy: 4 })]);
    expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
    await r.close();
  });

  it("never delivers an expired message: TTLExpiredException in the DLQ with deadLetterOnExpiration, gone without", async () => {
    const t = await c.topic();
    // b does not dead-letter on expiration.
    await c.broker.ensureTopology({ ...t, subscriptions: t.subscriptions.map((s) => (s.name === "b" ? { ...s, deadLetterOnExpiration: false } : s)) });
    await c.broker.publish(t.topic, [msg("late-a", "a", 1, { timeToLiveMs: 300 }), msg("late-b", "b", 2, { timeToLiveMs: 300 }), msg("fresh", "a", 3)]);
    await c.advance(800);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const live = await receiveAll(r, 1);
    expect(live.map((m) => m.messageId)).toEqual(["fresh"]);
    expect(await r.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
    const dlq = c.broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
    const dead = await one(dlq);
    expect(dead.messageId).toBe("late-a");
    expect(dead.deadLetterReason).toBe("TTLExpiredException");
    const b = c.broker.openReceiver({ topic: t.topic, subscription: "b" });
    expect(await b.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
    expect(await c.broker.counts(t.topic, "b")).toMatchObject({ active: 0, deadLetter: 0 });
    await Promise.all([r.close(), dlq.close(), b.close()]);
  });

  it("holds a scheduled message until its time", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [{ ...msg("sched", "a"), scheduledEnqueueAt: c.now() + 1500 }]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
    const counts = await c.broker.counts(t.topic, "a");
    expect(counts.active).toBe(0);
    if (c.options.scheduledCountsPerSubscription !== false) expect(counts.scheduled).toBe(1);
    await c.advance(1800);
    const m = await one(r);
    expect(m.messageId).toBe("sched");
    await r.complete(m);
    await r.close();
  });
}
