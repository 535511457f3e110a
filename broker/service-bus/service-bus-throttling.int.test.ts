import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobDoc, systemClock, systemTimers } from "../../contracts/index.js";
import { OutboxRelay } from "../../dispatcher/outbox-relay.js";
import { Agent, type AgentLoopConfig } from "../../factory-agent/agent.js";
import { SimEngine } from "../../factory-agent/engines/sim-engine.js";
import { FakeCoordinatorPort } from "../../factory-agent/fake-coordinator-port.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { type BrokerTopology, isBrokerError } from "../port.js";
import { ServiceBusBroker } from "./service-bus-broker.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Service Bus throttling (ServerBusy) through the adapter, on the local broker", () => {
  let local: LocalServiceBus;
  let broker: ServiceBusBroker;
  const topology: BrokerTopology = {
    topic: `busy-${process.pid}`,
    duplicateDetectionWindowMs: 60_000,
    subscriptions: [{ name: "general", lockDurationMs: 5000, maxDeliveryCount: 5, deadLetterOnExpiration: false, filter: { pool: "general" } }],
  };
  beforeAll(async () => {
    local = await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
    broker = new ServiceBusBroker({ connectionString: local.connectionString });
    await broker.ensureTopology(topology);
  });
  afterAll(async () => {
    await broker?.close();
    await local?.close();
  });

  it("a throttled publish fails as a retryable BrokerError('unavailable') naming ServerBusy, after the SDK's two quick retries", async () => {
    await broker.publish(topology.topic, [{ messageId: "warm", body: {}, applicationProperties: { pool: "other" } }]);
    local.setServerBusy({ sends: true });
    const before = local.stats().serverBusyRefusals;
    const started = Date.now();
    const error = await broker.publish(topology.topic, [{ messageId: "t1", body: {}, applicationProperties: { pool: "other" } }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    local.setServerBusy(false);
    expect(isBrokerError(error, "unavailable"), String(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/throttling requests \(ServerBusy\); back off and retry.*\(after 3 attempts\)/);
    expect(local.stats().serverBusyRefusals - before).toBe(3);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("the outbox relay backs off while the namespace throttles, and publishes the assignment once it stops", async () => {
    const now = Date.now();
    const job: JobDoc = queuedJob({
      stage: "assigned",
      leaseEpoch: 1,
      lease: { pool: "general", assignedAt: now, acceptBy: now + 120_000, renewals: 0 },
      outbox: { epoch: 1, pool: "general", at: now },
    });
    const failures: number[] = [];
    const relay = new OutboxRelay(
      {
        broker,
        topic: topology.topic,
        source: { pendingSince: async () => [], isCurrent: () => true },
        watermarks: { load: async () => undefined, save: async () => undefined },
        clock: systemClock,
        random: () => 0.5,
        onError: () => failures.push(Date.now()),
      },
      { backoffBaseMs: 200, backoffMaxMs: 2000, failureThreshold: 3, circuitOpenMs: 1000 },
    );
    local.setServerBusy({ sends: true });
    const refusedBefore = local.stats().serverBusyRefusals;
    relay.start();
    relay.assignmentCommitted(job);
    await sleep(5000);
    const refusedWhileBusy = local.stats().serverBusyRefusals - refusedBefore;
    local.setServerBusy(false);
    const receiver = broker.openReceiver({ topic: topology.topic, subscription: "general" });
    const got: string[] = [];
    for (let round = 0; round < 10 && got.length === 0; round++) {
      for (const message of await receiver.receive(1, 1000)) {
        got.push(message.messageId);
        await receiver.complete(message);
      }
    }
    await receiver.close();
    await relay.stop();
    expect(got).toEqual([`${job.id}:1`]);
    const stats = relay.stats();
    expect(stats.publishFailures).toBeGreaterThanOrEqual(2);
    expect(stats.published).toBe(1);
    // It backed off: a handful of tries in five seconds (three broker refusals each), not a loop.
    // The try in flight when the throttling ended may have been refused up to twice already and
    // then succeeded, so it counts among the refusals but not among the failures.
    expect(refusedWhileBusy).toBeGreaterThan(0);
    expect(refusedWhileBusy).toBeLessThanOrEqual((stats.publishFailures + 1) * 3);
    expect(stats.publishFailures).toBeLessThanOrEqual(6);
    const gaps = failures.slice(1).map((at, i) => at - failures[i]!);
    expect(gaps.every((gap) => gap >= 150)).toBe(true);
  }, 30_000);

  it("a throttled receive fails as a retryable BrokerError; the factory agent backs off and takes the assignment once the throttling ends", async () => {
    const now = Date.now();
    const job = queuedJob({ id: "j-throttled-receive", stage: "building", leaseEpoch: 1, attempts: 1, lease: { pool: "general", factoryId: "f1", assignedAt: now, acceptBy: now + 60_000, acceptedAt: now, expiresAt: now + 60_000, renewals: 0 } });
    const coordinator = new FakeCoordinatorPort(job, () => Date.now());
    const config: AgentLoopConfig = { pool: "general", topic: topology.topic, subscription: "general", mode: "serve", seats: 1, idleTimeoutMs: 60_000, workDir: ".tmp/agent-busy-test", defaultWallMs: 60_000 };
    const agent = new Agent(config, {
      broker,
      client: coordinator,
      engine: new SimEngine({ durationMs: 100, failureRate: 0, crashRate: 0 }),
      logger: pino({ level: "silent" }),
      clock: systemClock,
      timers: systemTimers,
      random: () => 0.5,
    });
    local.setServerBusy({ receives: true });
    const refusedBefore = local.stats().serverBusyRefusals;
    const running = agent.run();
    await sleep(4000);
    const refusedWhileBusy = local.stats().serverBusyRefusals - refusedBefore;
    local.setServerBusy(false);
    await broker.publish(topology.topic, [{ messageId: `${job.id}:1`, body: { kind: "assignment", version: 1, jobId: job.id, productId: "acme", epoch: 1, pool: "general", priority: "medium", capabilities: ["lang:ts"], acceptBy: now + 60_000, attempt: 1 }, applicationProperties: { pool: "general" } }]);
    const deadline = Date.now() + 15_000;
    while (coordinator.of("release").length === 0 && Date.now() < deadline) await sleep(100);
    await agent.drain();
    await running;
    expect(coordinator.of("accept")).toHaveLength(1);
    expect(coordinator.of("release")).toHaveLength(1);
    // It kept trying, with backoff: a few receives in four seconds, each refused by the SDK's three tries.
    expect(refusedWhileBusy).toBeGreaterThan(0);
    expect(refusedWhileBusy).toBeLessThanOrEqual(12);
  }, 40_000);
});
