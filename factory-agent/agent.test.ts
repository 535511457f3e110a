import pino from "pino";
import { describe, expect, it } from "vitest";
import { MemoryBroker } from "../broker/memory/memory-broker.js";
import type { BrokerPort } from "../broker/port.js";
import { type AssignmentMessage, type JobDoc, assignmentMessageId } from "../contracts/index.js";
import { queuedJob } from "../test/support/job-fixture.js";
import { Agent, type AgentLoopConfig } from "./agent.js";
import { ManualTime } from "./engines/manual-time.js";
import { SimEngine } from "./engines/sim-engine.js";
import { FakeCoordinatorPort } from "./fake-coordinator-port.js";

const config: AgentLoopConfig = { pool: "general", topic: "assignments", subscription: "general", mode: "one-shot", seats: 1, idleTimeoutMs: 5000, workDir: ".tmp/agent-test", defaultWallMs: 3_600_000 };

/** The memory broker answers a receive at once; a Service Bus receive waits up to maxWaitMs for a
 * first message. This waits on the manual clock, as the agent's receive loop expects. */
function longPolling(broker: MemoryBroker, time: ManualTime, asked: number[] = []): BrokerPort {
  return {
    ensureTopology: (topology) => broker.ensureTopology(topology),
    publish: (topic, messages) => broker.publish(topic, messages),
    counts: (topic, subscription) => broker.counts(topic, subscription),
    close: () => broker.close(),
    openReceiver(address) {
      const receiver = broker.openReceiver(address);
      return {
        async receive(max, maxWaitMs) {
          asked.push(max);
          const messages = await receiver.receive(max, 0);
          if (messages.length === 0) await time.sleep(maxWaitMs);
          return messages;
        },
        complete: (message) => receiver.complete(message),
        abandon: (message) => receiver.abandon(message),
        deadLetter: (message, reason, description) => receiver.deadLetter(message, reason, description),
        renewLock: (message) => receiver.renewLock(message),
        close: () => receiver.close(),
      };
    },
  };
}

async function setUp(faults?: () => "none" | "refuse", loop: Partial<AgentLoopConfig> = {}) {
  const time = new ManualTime();
  const broker = new MemoryBroker({ clock: time, ...(faults === undefined ? {} : { faults }) });
  await broker.ensureTopology({ topic: "assignments", duplicateDetectionWindowMs: 60_000, subscriptions: [{ name: "general", lockDurationMs: 5000, maxDeliveryCount: 5, deadLetterOnExpiration: false, filter: { pool: "general" } }] });
  const now = time.now();
  const job: JobDoc = queuedJob({
    stage: "building",
    leaseEpoch: 1,
    attempts: 1,
    lease: { pool: "general", factoryId: "f1", assignedAt: now, acceptBy: now + 20_000, acceptedAt: now, expiresAt: now + 30_000, renewals: 0 },
  });
  const coordinator = new FakeCoordinatorPort(job, () => time.now());
  const draws: number[] = [];
  const asked: number[] = [];
  const agent = new Agent({ ...config, ...loop }, {
    broker: longPolling(broker, time, asked),
    client: coordinator,
    engine: new SimEngine({ durationMs: 3000, failureRate: 0, crashRate: 0 }),
    logger: pino({ level: "silent" }),
    clock: time,
    timers: time,
    random: () => {
      draws.push(0);
      return 0;
    },
  });
  const message: AssignmentMessage = { kind: "assignment", version: 1, jobId: job.id, productId: "acme", epoch: 1, pool: "general", priority: "medium", capabilities: ["lang:ts"], acceptBy: now + 20_000, attempt: 1 };
  const publish = () => broker.publish("assignments", [{ messageId: assignmentMessageId(job.id, 1), body: message, applicationProperties: { pool: "general" } }]);
  /** Assignments for other jobs of the same pool (each its own message id). */
  const publishJobs = (ids: readonly string[]) =>
    broker.publish(
      "assignments",
      ids.map((id) => ({ messageId: assignmentMessageId(id, 1), body: { ...message, jobId: id }, applicationProperties: { pool: "general" } })),
    );
  return { time, broker, coordinator, agent, publish, publishJobs, draws, asked };
}

describe("the agent loop on injected time", () => {
  it("hands an assignment back and takes no more work when the coordinator refuses its token (revoked)", async () => {
    const { time, broker, coordinator, agent, publish } = await setUp();
    coordinator.refuse = (call) => (call.op === "accept" ? { ok: false, status: 401, code: "UNAUTHENTICATED", message: "unknown, wrong, expired or revoked token" } : undefined);
    await publish();
    const exit = agent.run();
    await time.advance(3000);
    expect(await exit).toBe("finished");
    expect(coordinator.of("accept")).toHaveLength(1);
    // Abandoned, not completed: another factory gets it at once (delivery count + 1).
    const receiver = broker.openReceiver({ topic: "assignments", subscription: "general" });
    const [again] = await receiver.receive(1, 0);
    expect(again?.deliveryCount).toBe(1);
    await receiver.close();
  });

  it("drains an attempt whose accept was still in flight when SIGTERM came: released as drained, never run to the end", async () => {
    const { time, coordinator, agent, publish } = await setUp();
    // The accept is answered only after the drain began (a slow coordinator under load).
    let answerAccept: () => void = () => undefined;
    const accepted = new Promise<void>((resolve) => (answerAccept = resolve));
    const accept = coordinator.accept.bind(coordinator);
    coordinator.accept = async (jobId, epoch) => {
      await accepted;
      return accept(jobId, epoch);
    };
    await publish();
    const exit = agent.run();
    await time.advance(10);
    const drained = agent.drain();
    answerAccept();
    await time.advance(100);
    await drained;
    expect(await exit).toBe("drained");
    const releases = coordinator.of("release");
    expect(releases).toHaveLength(1);
    expect(releases[0]!.body.outcome).toBe("drained");
    expect(releases[0]!.at - time.now()).toBeLessThanOrEqual(0);
    expect(coordinator.of("report").map((r) => r.stage)).not.toContain("testing");
  });

  it("accepts, settles, runs and releases one assignment, then a one-shot agent exits", async () => {
    const { time, broker, coordinator, agent, publish } = await setUp();
    await publish();
    const exit = agent.run();
    await time.advance(3000);
    expect(await exit).toBe("one-shot-done");
    expect(coordinator.calls.map((c) => c.op)).toEqual(["accept", "report", "report", "release"]);
    expect((await broker.counts("assignments", "general")).active).toBe(0);
    expect(agent.stats()).toMatchObject({ received: 1, accepted: 1, released: 1, running: 0 });
  });

  it("exits idle once nothing arrived for the idle timeout on its own clock", async () => {
    const { time, agent, coordinator } = await setUp();
    let exited: string | undefined;
    void agent.run().then((exit) => {
      exited = exit;
    });
    // Receives wait 1 s each: the fifth ends at 5 s, and the idle timeout has passed.
    await time.advance(4999);
    expect(exited).toBeUndefined();
    await time.advance(1);
    expect(exited).toBe("idle");
    expect(coordinator.calls).toEqual([]);
  });

  it("backs off a failing receive with the shared jittered backoff on its timers", async () => {
    let refusing = true;
    const { time, agent, publish, draws, coordinator } = await setUp(() => (refusing ? "refuse" : "none"));
    const exit = agent.run();
    // random() = 0: 100, 200, 400 ms of equal-jitter backoff (half of 200, 400, 800), each after
    // a refused receive.
    await time.advance(699);
    expect(draws.length).toBe(3);
    refusing = false;
    await publish();
    await time.advance(4000);
    expect(await exit).toBe("one-shot-done");
    expect(coordinator.of("release")).toHaveLength(1);
  });

  it("accepts every message of a receive at once, up to its free seats, and never receives more than the free seats", async () => {
    const { time, broker, coordinator, agent, publishJobs, asked } = await setUp(undefined, { mode: "serve", seats: 3, idleTimeoutMs: 60_000 });
    // Accepts are answered only when the test says so: all three must be in flight together.
    const answers: (() => void)[] = [];
    const accept = coordinator.accept.bind(coordinator);
    let inFlight = 0;
    let mostInFlight = 0;
    coordinator.accept = async (jobId, epoch) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise<void>((resolve) => answers.push(resolve));
      inFlight--;
      return accept(jobId, epoch);
    };
    await publishJobs(["job-a", "job-b", "job-c", "job-d"]);
    const exit = agent.run();
    await time.advance(10);
    expect(mostInFlight).toBe(3);
    expect(asked).toEqual([3]);
    // The fourth stays in the subscription, unlocked: no seat was free for it.
    expect(agent.stats()).toMatchObject({ received: 3, accepted: 0 });
    // Answered out of order: each settles after its own accept.
    answers[2]!();
    await time.advance(1);
    expect(agent.stats()).toMatchObject({ accepted: 1, running: 1 });
    answers[0]!();
    answers[1]!();
    await time.advance(1);
    expect(agent.stats()).toMatchObject({ accepted: 3, running: 3 });
    expect((await broker.counts("assignments", "general")).active).toBe(1);
    // Every seat busy: no receive until an attempt ends (3 s of simulated work).
    await time.advance(1000);
    expect(asked).toEqual([3]);
    await time.advance(2100);
    expect(asked.slice(1).every((max) => max >= 1 && max <= 3)).toBe(true);
    expect(agent.stats().received).toBe(4);
    answers[3]!();
    await time.advance(3100);
    expect(coordinator.of("release")).toHaveLength(4);
    expect((await broker.counts("assignments", "general")).active).toBe(0);
    const drained = agent.drain();
    await time.advance(1000);
    await drained;
    expect(await exit).toBe("drained");
  });

  it("settles a second copy of a job whose accept is still in flight without accepting it twice", async () => {
    const { time, broker, coordinator, agent, publishJobs } = await setUp(undefined, { mode: "serve", seats: 2, idleTimeoutMs: 60_000 });
    const answers: (() => void)[] = [];
    const accept = coordinator.accept.bind(coordinator);
    coordinator.accept = async (jobId, epoch) => {
      await new Promise<void>((resolve) => answers.push(resolve));
      return accept(jobId, epoch);
    };
    await publishJobs(["job-a"]);
    // The same assignment again under another message id (a republish after a relay restart that
    // duplicate detection did not catch).
    await broker.publish("assignments", [{ messageId: "copy", body: { kind: "assignment", version: 1, jobId: "job-a", productId: "acme", epoch: 1, pool: "general", priority: "medium", capabilities: ["lang:ts"], acceptBy: time.now() + 20_000, attempt: 1 }, applicationProperties: { pool: "general" } }]);
    const exit = agent.run();
    await time.advance(10);
    expect(answers).toHaveLength(1);
    expect(agent.stats()).toMatchObject({ received: 2, dropped: 1 });
    answers[0]!();
    await time.advance(3100);
    expect(coordinator.of("accept")).toHaveLength(1);
    expect(coordinator.of("release")).toHaveLength(1);
    expect((await broker.counts("assignments", "general")).active).toBe(0);
    const drained = agent.drain();
    await time.advance(1000);
    await drained;
    expect(await exit).toBe("drained");
  });
});
