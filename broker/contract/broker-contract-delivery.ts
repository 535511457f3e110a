import { expect, it } from "vitest";
import { isBrokerError, type ReceivedMessage } from "../port.js";
import { type BrokerContractContext, msg, one, receiveAll, EXPECT_WAIT_MS, NOTHING_WAIT_MS } from "./broker-contract-context.js";

/** Delivery: publish, peek-lock receive, routing by filter, counts, batch limits, raw bodies, closed receivers. */
export function deliveryCases(c: BrokerContractContext): void {
  it("publishes, receives in peek-lock and completes", async () => {
    const t = await c.topic();
    const before = c.now();
    await c.broker.publish(t.topic, [msg("p1", "a", { kind: "assignment", n: 1, nested: { ok: true } }), msg("p2", "a", [1, "two"])]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
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
    expect((await c.broker.counts(t.topic, "a")).active).toBe(0);
    expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
    await r.close();
  });

  it("routes by the pool correlation filter: a message for pool a never reaches b", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("ra1", "a"), msg("rb1", "b"), msg("ra2", "a"), msg("rc1", "c")]);
    const a = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const b = c.broker.openReceiver({ topic: t.topic, subscription: "b" });
    const fromA = await receiveAll(a, 2);
    const fromB = await receiveAll(b, 1);
    expect(fromA.map((m) => m.messageId)).toEqual(["ra1", "ra2"]);
    expect(fromB.map((m) => m.messageId)).toEqual(["rb1"]);
    expect(await a.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
    expect(await b.receive(5, NOTHING_WAIT_MS)).toHaveLength(0);
    expect((await c.broker.counts(t.topic, "b")).active).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it("counts active messages including locked ones, and dead letters", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, ["c1", "c2", "c3"].map((id) => msg(id, "a")));
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const [c1, c2] = (await receiveAll(r, 2)) as [ReceivedMessage, ReceivedMessage];
    expect(await c.broker.counts(t.topic, "a")).toEqual({ active: 3, deadLetter: 0, scheduled: 0 });
    await r.deadLetter(c1, "Test");
    await r.complete(c2);
    expect(await c.broker.counts(t.topic, "a")).toEqual({ active: 1, deadLetter: 1, scheduled: 0 });
    await r.close();
  });

  it("never returns (or locks) more than max", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, ["x1", "x2", "x3", "x4", "x5"].map((id) => msg(id, "a")));
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const first = await r.receive(2, EXPECT_WAIT_MS);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(2);
    // Whatever this receiver did not get is still available to another one: nothing was locked ahead.
    const other = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const rest = await receiveAll(other, 5 - first.length);
    expect(new Set([...first, ...rest].map((m) => m.messageId)).size).toBe(5);
    expect(await c.broker.counts(t.topic, "a")).toMatchObject({ active: 5 });
    await Promise.all([r.close(), other.close()]);
  });

  it("returns a non-JSON body raw, for the caller to validate and dead-letter", async (context) => {
    if (c.sut.publishRaw === undefined) return context.skip();
    const t = await c.topic();
    await c.sut.publishRaw(t.topic, { messageId: "raw", text: "not json {", applicationProperties: { pool: "a" } });
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const m = await one(r);
    expect(m.body).toBe("not json {");
    await r.deadLetter(m, "InvalidAssignment", "body is not JSON");
    expect((await c.broker.counts(t.topic, "a")).deadLetter).toBe(1);
    await r.close();
  });

  it("rejects calls on a closed receiver with BrokerError('invalid')", async () => {
    const t = await c.topic();
    await c.broker.publish(t.topic, [msg("cl", "a")]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    const m = await one(r);
    await r.close();
    await expect(r.receive(1, NOTHING_WAIT_MS)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "invalid"));
    await expect(r.complete(m)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "invalid"));
  });
}
