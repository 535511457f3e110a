import { expect, it } from "vitest";
import { isBrokerError } from "../port.js";
import { type BrokerContractContext, msg, one, NOTHING_WAIT_MS } from "./broker-contract-context.js";

/** Topology: applying it idempotently, later settings, missing entities. */
export function topologyCases(c: BrokerContractContext): void {
  it("applies the topology idempotently: a second call changes nothing", async () => {
    const t = await c.topic();
    await c.broker.ensureTopology(t);
    expect(await c.broker.counts(t.topic, "a")).toEqual({ active: 0, deadLetter: 0, scheduled: 0 });
    // Still exactly one copy per matching subscription (no leftover $Default rule, no second rule).
    await c.broker.publish(t.topic, [msg("m1", "a")]);
    expect((await c.broker.counts(t.topic, "a")).active).toBe(1);
    expect((await c.broker.counts(t.topic, "b")).active).toBe(0);
    await c.broker.ensureTopology(t);
    expect((await c.broker.counts(t.topic, "a")).active).toBe(1);
  });

  it("updates subscription settings on a later call (max delivery count)", async () => {
    const t = await c.topic({ maxDeliveryCount: 5 });
    await c.broker.ensureTopology({ ...t, subscriptions: t.subscriptions.map((s) => ({ ...s, maxDeliveryCount: 1 })) });
    await c.broker.publish(t.topic, [msg("once", "a")]);
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "a" });
    await r.abandon(await one(r));
    expect(await r.receive(1, NOTHING_WAIT_MS)).toHaveLength(0);
    expect((await c.broker.counts(t.topic, "a")).deadLetter).toBe(1);
    await r.close();
  });

  it("fails with not_found for a missing topic or subscription", async () => {
    const t = await c.topic();
    await expect(c.broker.publish(`${t.topic}-missing`, [msg("nf", "a")])).rejects.toSatisfy((e: unknown) => isBrokerError(e, "not_found"));
    await expect(c.broker.counts(t.topic, "missing")).rejects.toSatisfy((e: unknown) => isBrokerError(e, "not_found"));
    const r = c.broker.openReceiver({ topic: t.topic, subscription: "missing" });
    await expect(r.receive(1, NOTHING_WAIT_MS)).rejects.toSatisfy((e: unknown) => isBrokerError(e, "not_found"));
    await r.close();
  });
}
