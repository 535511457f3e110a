import { afterEach, describe, expect, it } from "vitest";
import { MemoryBroker } from "../broker/memory/memory-broker.js";
import type { BrokerTopology } from "../broker/port.js";
import { type AssignmentMessage, assignmentMessageId } from "../contracts/index.js";
import { DeadLetterMonitor, type DeadLetterSink } from "./dead-letter-monitor.js";

const topology: BrokerTopology = {
  topic: "assignments",
  duplicateDetectionWindowMs: 60_000,
  subscriptions: [{ name: "general", lockDurationMs: 5000, maxDeliveryCount: 5, deadLetterOnExpiration: false, filter: { pool: "general" } }],
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the dead-letter monitor's idle backoff", () => {
  let monitor: DeadLetterMonitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
  });

  async function setUp(options: { idleMaxMs: number; quiet?: () => Promise<boolean> }) {
    const broker = new MemoryBroker();
    await broker.ensureTopology(topology);
    const letters: { jobId: string; reason: string }[] = [];
    const sink: DeadLetterSink = {
      deadLetter: async (jobId, letter) => {
        letters.push({ jobId, reason: letter.reason });
        return { applied: true };
      },
    };
    monitor = new DeadLetterMonitor({ broker, topic: topology.topic, subscriptions: [{ name: "general", pool: "general" }], sink, ...options });
    /** An assignment an agent dead-letters (as it does an invalid one). */
    const deadLetterOne = async (jobId: string) => {
      const message: AssignmentMessage = { kind: "assignment", version: 1, jobId, productId: "acme", epoch: 1, pool: "general", priority: "medium", capabilities: [], acceptBy: Date.now() + 60_000, attempt: 1 };
      await broker.publish(topology.topic, [{ messageId: assignmentMessageId(jobId, 1), body: message, applicationProperties: { pool: "general" } }]);
      const receiver = broker.openReceiver({ topic: topology.topic, subscription: "general" });
      const [received] = await receiver.receive(1, 0);
      await receiver.deadLetter(received!, "Poisoned", "the agent gave up");
      await receiver.close();
    };
    return { monitor, letters, deadLetterOne };
  }

  it("doubles its wait while polls find nothing, up to its idle maximum, and is back at the base interval on activity", async () => {
    const { monitor, letters, deadLetterOne } = await setUp({ idleMaxMs: 160 });
    monitor.start(20);
    await sleep(1000);
    // Without the backoff: about 50 polls at 20 ms. With it: 20, 40, 80, 160, 160, ... ms apart.
    const idlePolls = monitor.pollCount();
    expect(idlePolls).toBeGreaterThanOrEqual(5);
    expect(idlePolls).toBeLessThanOrEqual(12);
    await deadLetterOne("j-after-activity");
    monitor.activity();
    await sleep(100);
    expect(letters).toEqual([{ jobId: "j-after-activity", reason: "Poisoned" }]);
  });

  it("still finds a dead letter nobody announced within its idle maximum", async () => {
    const { monitor, letters, deadLetterOne } = await setUp({ idleMaxMs: 160 });
    monitor.start(20);
    await sleep(600);
    await deadLetterOne("j-unannounced");
    await sleep(400);
    expect(letters.map((l) => l.jobId)).toEqual(["j-unannounced"]);
  });

  it("stops polling while no message can become a dead letter, and resumes on activity", async () => {
    let quiet = true;
    const { monitor, letters, deadLetterOne } = await setUp({ idleMaxMs: 160, quiet: async () => quiet });
    monitor.start(20);
    await sleep(50);
    const parkedAt = monitor.pollCount();
    expect(parkedAt).toBe(1);
    await sleep(500);
    expect(monitor.pollCount()).toBe(parkedAt);
    quiet = false;
    await deadLetterOne("j-resumed");
    monitor.activity();
    await sleep(100);
    expect(letters.map((l) => l.jobId)).toEqual(["j-resumed"]);
    expect(monitor.pollCount()).toBeGreaterThan(parkedAt);
  });
});
