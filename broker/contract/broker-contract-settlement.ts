import { expect, it } from "vitest";
import { isBrokerError, type ReceivedMessage } from "../port.js";
import { type BrokerContractContext, msg, one, receiveAll, NOTHING_WAIT_MS } from "./broker-contract-context.js";

/** Settlement: abandon, lock expiry and renewal, dead-lettering on the delivery count and on request. */
export function settlementCases(c: BrokerContractContext): void {
  it("redelivers an abandoned message with deliveryCount + 1", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("ab", "a", { v: 1 })]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
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
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("exp", "a")]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const first = await one(r);
    // Locked: nobody else gets it meanwhile.
    const other = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    expect(await other.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
    await other.close();
    await c.advance(c.lockDurationMs + 500);
    const second = await one(r);
    expect(second.messageId).toBe("exp");
    expect(second.deliveryCount).toBe(first.deliveryCount + 1);
    await expect(r.complete(first)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
    await expect(r.renewLock(first)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
    await r.complete(second);
    await r.close();
  });

  it("renewLock extends the lock past its original expiry", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("ren", "a")]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const m = await one(r);
    await c.advance(Math.round(c.lockDurationMs * 0.5));
    const renewedUntil = await r.renewLock(m);
    expect(renewedUntil).toBeGreaterThan(m.lockedUntil);
    // Past the original lock, well within the renewed one: still ours to complete.
    await c.advance(Math.round(c.lockDurationMs * 0.75));
    await r.complete(m);
    expect((await c.broker.counts(t.topic, "a")).active).toBe(0);
    await r.close();
  });

  it("dead-letters past the max delivery count with MaxDeliveryCountExceeded; the DLQ reads and completes it", async () => {
    const t = await c.topic({ maxDeliveryCount: 2 });
    await c.broker.publish(t.topic, [msg("poison", "a", { bad: true })]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    await r.abandon(await one(r));
    await r.abandon(await one(r));
    expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
    expect(await c.broker.counts(t.topic, "a")).toMatchObject({ active: 0, deadLetter: 1 });
    const dlq = c.broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
    const dead = await one(dlq);
    expect(dead.messageId).toBe("poison");
    expect(dead.body).toEqual({ bad: true });
    expect(dead.applicationProperties.pool).toBe("a");
    expect(dead.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    await dlq.complete(dead);
    expect(await c.broker.counts(t.topic, "a")).toMatchObject({ active: 0, deadLetter: 0 });
    await Promise.all([r.close(), dlq.close()]);
  });

  it("dead-letters on request with the reason and description, readable from the DLQ", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("dl1", "a"), msg("dl2", "a")]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const [m1, m2] = (await receiveAll(r, 2)) as [ReceivedMessage, ReceivedMessage];
    await r.deadLetter(m1, "InvalidAssignment", "jobId: required");
    await r.deadLetter(m2, "Stale");
    await expect(r.complete(m1)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "lock_lost"));
    expect(await c.broker.counts(t.topic, "a")).toMatchObject({ active: 0, deadLetter: 2 });
    const dlq = c.broker.openReceiver({ topic: t.topic, subscription: "a", deadLetter: true });
    const dead = await receiveAll(dlq, 2);
    const byId = new Map(dead.map((m) => [m.messageId, m]));
    expect(byId.get("dl1")).toMatchObject({ deadLetterReason: "InvalidAssignment", deadLetterDescription: "jobId: required", body: { id: "dl1" } });
    expect(byId.get("dl2")?.deadLetterReason).toBe("Stale");
    expect(byId.get("dl2")?.deadLetterDescription ?? undefined).toBeUndefined();
    for (const m of dead) await dlq.complete(m);
    expect((await c.broker.counts(t.topic, "a")).deadLetter).toBe(0);
    await Promise.all([r.close(), dlq.close()]);
  });
}
