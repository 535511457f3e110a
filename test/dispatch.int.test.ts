import { afterEach, describe, expect, it } from "vitest";
import { AssignmentMessage, type JobDoc } from "../contracts/index.js";
import type { FactoryPrincipal } from "../coordinator/auth/principal.js";
import { DeadLetterView } from "../coordinator/service/dead-letter-view.js";
import type { ReceivedMessage } from "../broker/port.js";
import { type DispatchHarness, startDispatchHarness, waitFor } from "./support/dispatch-harness.js";

const factory = (id: string): FactoryPrincipal => ({ kind: "factory", credentialId: "t", productId: "*", pool: "general", factoryId: id });
const spec = (key: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  bodyMd: `job ${key}`,
  persona: "engineer",
  capabilities: ["lang:ts"],
  priority: "low" as const,
  deps: [],
  depsMode: "hard" as const,
  kind: "leaf" as const,
  ...extra,
});

/** Drains a subscription completely (completing every message) and returns what it held. */
async function drain(h: DispatchHarness, idleMs = 700): Promise<ReceivedMessage[]> {
  const receiver = h.broker.openReceiver({ topic: h.topology.topic, subscription: "general" });
  const all: ReceivedMessage[] = [];
  for (let round = 0; round < 200; round++) {
    const batch = await receiver.receive(100, idleMs);
    if (batch.length === 0) break;
    for (const message of batch) await receiver.complete(message);
    all.push(...batch);
  }
  await receiver.close();
  return all;
}

describe("dispatch through the real Service Bus SDK on the local broker", () => {
  let h: DispatchHarness;
  afterEach(async () => h.close());

  it("relays each committed assignment once: message id jobId:epoch, routing properties, accept-deadline TTL", async () => {
    h = await startDispatchHarness();
    const dispatcher = await h.startDispatcher();
    const jobs: JobDoc[] = [];
    for (let i = 0; i < 3; i++) jobs.push((await h.coordinator.submit("acme", spec(`r${i}`))).job);
    await h.coordinator.tick();
    await waitFor(() => dispatcher.relay.stats().published === 3, 10_000, "3 publishes");
    const messages = await drain(h);
    expect(messages.map((m) => m.messageId).sort()).toEqual(jobs.map((j) => `${j.id}:1`).sort());
    for (const message of messages) {
      const body = AssignmentMessage.parse(message.body);
      expect(message.applicationProperties).toMatchObject({ pool: "general", priority: "low", productId: "acme", jobId: body.jobId, epoch: 1 });
    }
    expect(dispatcher.relay.stats().watermarksWritten).toBeLessThanOrEqual(2);
  });

  it("a relay killed between publishing and recording progress delivers no duplicate to a worker", async () => {
    h = await startDispatchHarness();
    const first = await h.startDispatcher({ watermarkIntervalMs: 3_600_000 });
    for (let i = 0; i < 20; i++) await h.coordinator.submit("acme", spec(`k${i}`));
    await h.coordinator.tick();
    await waitFor(() => first.relay.stats().published === 20, 10_000, "20 publishes");
    expect(first.relay.stats().watermarksWritten).toBe(0);
    first.relay.crash();
    const second = await h.startDispatcher();
    await waitFor(() => second.relay.stats().pending === 0 && second.relay.stats().published > 0, 10_000, "the restarted relay to republish");
    expect(second.relay.stats().republished).toBe(20);
    const messages = await drain(h);
    expect(messages).toHaveLength(20);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(20);
  });

  it("delivers every one of 1,000 assignments committed during a 10-second broker outage, once, after it returns", async () => {
    h = await startDispatchHarness();
    const dispatcher = await h.startDispatcher({ backoffMaxMs: 1000, circuitOpenMs: 500 });
    await h.local.stop();
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) ids.push((await h.coordinator.submit("acme", spec(`o${i}`))).job.id);
    expect((await h.coordinator.tick()).assigned).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const during = dispatcher.relay.stats();
    expect(during.published).toBe(0);
    expect(during.publishFailures).toBeGreaterThan(0);
    expect(during.lagMs).toBeGreaterThanOrEqual(9_000);
    await h.local.start();
    await waitFor(() => dispatcher.relay.stats().pending === 0, 30_000, "the outbox to drain");
    const messages = await drain(h);
    expect(messages).toHaveLength(1000);
    expect(new Set(messages.map((m) => AssignmentMessage.parse(m.body).jobId))).toEqual(new Set(ids));
  }, 60_000);

  it("reconciles a max-delivery dead letter into its job, lists it, and a replay runs exactly once", async () => {
    h = await startDispatchHarness({ maxDeliveryCount: 2 });
    const dispatcher = await h.startDispatcher();
    const { job } = await h.coordinator.submit("acme", spec("poison"));
    await h.coordinator.tick();
    await waitFor(() => dispatcher.relay.stats().published === 1, 10_000, "the publish");
    const receiver = h.broker.openReceiver({ topic: h.topology.topic, subscription: "general" });
    for (let i = 0; i < 2; i++) {
      const [message] = await receiver.receive(1, 2000);
      await receiver.abandon(message!);
    }
    await waitFor(async () => (await h.coordinator.getJob(undefined, job.id)).stage === "dead_letter", 10_000, "the dead letter to reach the job");
    const dead = await h.coordinator.getJob(undefined, job.id);
    expect(dead.deadLetter).toMatchObject({ source: "broker", reason: "MaxDeliveryCountExceeded", epoch: 1, pool: "general" });
    await waitFor(async () => (await h.broker.counts(h.topology.topic, "general")).deadLetter === 0, 10_000, "the DLQ message to be settled");
    const view = new DeadLetterView(h.store, h.coordinator);
    expect((await view.list("acme", { includeDiscarded: false }, 10)).items.map((i) => i.jobId)).toEqual([job.id]);
    const replayed = await view.replay("acme", job.id);
    expect(replayed.stage).toBe("queued");
    expect(replayed.leaseEpoch).toBe(2);
    await h.coordinator.tick();
    const [message] = await receiver.receive(1, 5000);
    const assignment = AssignmentMessage.parse(message!.body);
    expect(assignment.epoch).toBe(3);
    await h.coordinator.accept(factory("f1"), job.id, assignment.epoch);
    await receiver.complete(message!);
    const shipped = await h.coordinator.release(factory("f1"), job.id, { leaseEpoch: assignment.epoch, outcome: "shipped" });
    expect(shipped.stage).toBe("shipped");
    expect(shipped.runs.filter((run) => run.result === "shipped")).toHaveLength(1);
    expect(await receiver.receive(5, 700)).toHaveLength(0);
    await receiver.close();
  });

  it("releases a critical job submitted behind 5,000 low ones within one capacity window", async () => {
    const window = 10;
    h = await startDispatchHarness({ window });
    const dispatcher = await h.startDispatcher();
    for (let i = 0; i < 5000; i++) await h.coordinator.submit("acme", spec(`low${i}`));
    expect((await h.coordinator.tick()).assigned).toBe(window);
    const critical = (await h.coordinator.submit("acme", spec("urgent", { priority: "critical" }))).job;
    expect((await h.coordinator.tick()).assigned).toBe(0);
    await waitFor(() => dispatcher.relay.stats().published === window, 10_000, "the first window");
    // Workers take messages in FIFO order and finish them; each completion frees a slot.
    const receiver = h.broker.openReceiver({ topic: h.topology.topic, subscription: "general" });
    let acceptedBeforeCritical = 0;
    for (let step = 0; step < 2 * window; step++) {
      const [message] = await receiver.receive(1, 5000);
      const assignment = AssignmentMessage.parse(message!.body);
      await h.coordinator.accept(factory(`f${step}`), assignment.jobId, assignment.epoch);
      await receiver.complete(message!);
      if (assignment.jobId === critical.id) break;
      acceptedBeforeCritical++;
      await h.coordinator.release(factory(`f${step}`), assignment.jobId, { leaseEpoch: assignment.epoch, outcome: "shipped" });
      await h.coordinator.tick();
    }
    expect((await h.coordinator.getJob(undefined, critical.id)).stage).toBe("building");
    expect(acceptedBeforeCritical).toBeLessThanOrEqual(window);
    await receiver.close();
  });
});
