import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscriptionNameFor, systemClock, systemTimers } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import { mintToken } from "../../coordinator/auth/tokens.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { Agent, type AgentLoopConfig } from "../../factory-agent/agent.js";
import { CoordinatorClient } from "../../factory-agent/coordinator-client.js";
import type { CoordinatorPort } from "../../factory-agent/coordinator-port.js";
import { SimEngine } from "../../factory-agent/engines/sim-engine.js";
import { HttpCoordinatorTransport } from "../../factory-agent/http-coordinator-transport.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { BrokerError, type BrokerPort, isBrokerError, type ReceivedMessage } from "../port.js";
import { ServiceBusBroker } from "./service-bus-broker.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The agent's broker, watched: every delivery it got and every settlement that failed; renewals
 * of the locks `blocked` names never reach the broker (a congested link). */
function watched(broker: BrokerPort, deliveries: ReceivedMessage[], lost: string[], blocked: (message: ReceivedMessage) => boolean = () => false): BrokerPort {
  return {
    ensureTopology: (t) => broker.ensureTopology(t),
    publish: (t, m) => broker.publish(t, m),
    counts: (t, s) => broker.counts(t, s),
    close: () => broker.close(),
    openReceiver(address, options) {
      const receiver = broker.openReceiver(address, options);
      return {
        async receive(max, waitMs) {
          const got = await receiver.receive(max, waitMs);
          deliveries.push(...got);
          return got;
        },
        async complete(message) {
          try {
            await receiver.complete(message);
          } catch (error) {
            if (isBrokerError(error, "lock_lost")) lost.push(message.messageId);
            throw error;
          }
        },
        abandon: (message) => receiver.abandon(message),
        deadLetter: (message, reason, description) => receiver.deadLetter(message, reason, description),
        renewLock: async (message) => {
          if (blocked(message)) throw new BrokerError("unavailable", `renewing the lock of ${message.messageId}: no answer`);
          return receiver.renewLock(message);
        },
        close: () => receiver.close(),
      };
    },
  };
}

describe("a lock lost while the message is in the agent's hands (its accept slow, its renewals not getting through)", () => {
  let local: LocalServiceBus;
  let coordinator: CoordinatorProcess;
  let dispatchBroker: ServiceBusBroker;
  let url = "";
  const pool = mintToken("pool-general");
  const topology = parseTopology({
    topic: `lock-loss-${process.pid}`,
    pools: [{ name: "general", capabilities: ["lang:ts"], image: "x", seats: 2, maxReplicas: 2, workload: "scaledObject", leaseSeconds: 30, acceptTimeoutSeconds: 60, lockDurationSeconds: 5, maxDeliveryCount: 5 }],
  });

  beforeAll(async () => {
    local = await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
    dispatchBroker = new ServiceBusBroker({ connectionString: local.connectionString });
    coordinator = await buildCoordinatorProcess({
      store: new MemoryStore(),
      broker: dispatchBroker,
      topology,
      credentials: new CredentialRegistry({ factories: [{ id: "pool-general", productId: "acme", pool: "general", secretSha256: pool.secretSha256 }] }),
      logger: pino({ level: "silent" }),
      loop: { maxIdleMs: 100 },
      processMetrics: false,
      consoleDir: false,
      scaler: false,
    });
    url = await coordinator.listen("127.0.0.1", 0);
    await coordinator.dispatcher!.topologyApplied;
  });
  afterAll(async () => {
    await coordinator?.close();
    await dispatchBroker?.close();
    await local?.close();
  });

  it("settling fails with lock_lost, the message comes back with deliveryCount + 1, and the agent's accept path drops the copy: each job runs once", async () => {
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const { job } = await coordinator.coordinator.submit("acme", { idempotencyKey: `lock-${n}`, bodyMd: `job ${n}`, persona: "engineer", capabilities: ["lang:ts"], priority: "medium", deps: [], depsMode: "hard", kind: "leaf" });
      ids.push(job.id);
    }
    coordinator.loop.kick();
    const subscription = subscriptionNameFor("general");
    for (let i = 0; i < 100 && (await dispatchBroker.counts(topology.topic, subscription)).active < 2; i++) await sleep(100);

    const client = new CoordinatorClient({ transport: new HttpCoordinatorTransport({ baseUrl: url, token: pool.token, factoryId: "f1" }), clock: systemClock, timers: systemTimers, random: Math.random });
    // The first accept is slow (a congested coordinator): 6.5 s, past the 5 s lock of its message,
    // whose renewals meanwhile do not reach the broker.
    let slowed: string | undefined;
    const slowFirstAccept: CoordinatorPort = {
      accept: async (jobId, epoch, retryForMs) => {
        if (slowed === undefined) {
          slowed = jobId;
          await sleep(6500);
        }
        return client.accept(jobId, epoch, retryForMs);
      },
      renew: (jobId, epoch) => client.renew(jobId, epoch),
      report: (jobId, epoch, stage, checkpoint) => client.report(jobId, epoch, stage, checkpoint),
      release: (jobId, body) => client.release(jobId, body),
      heartbeat: (body) => client.heartbeat(body),
    };
    const deliveries: ReceivedMessage[] = [];
    const lost: string[] = [];
    const agentBroker = new ServiceBusBroker({ connectionString: local.connectionString });
    const config: AgentLoopConfig = { pool: "general", topic: topology.topic, subscription, mode: "serve", seats: 2, idleTimeoutMs: 60_000, workDir: ".tmp/agent-lock-loss", defaultWallMs: 60_000 };
    const agent = new Agent(config, {
      broker: watched(agentBroker, deliveries, lost, (message) => (message.body as { jobId?: string }).jobId === slowed && message.deliveryCount === 0),
      client: slowFirstAccept,
      engine: new SimEngine({ durationMs: 300, failureRate: 0, crashRate: 0 }),
      logger: pino({ level: "silent" }),
      clock: systemClock,
      timers: systemTimers,
      random: Math.random,
    });
    const running = agent.run();
    const deadline = Date.now() + 40_000;
    const stages = async () => Promise.all(ids.map(async (id) => (await coordinator.coordinator.getJob(undefined, id)).stage));
    while (!(await stages()).every((stage) => stage === "shipped") && Date.now() < deadline) await sleep(200);
    // Let the agent take the redelivered copy, if it has not yet.
    for (let i = 0; i < 50 && !deliveries.some((d) => d.deliveryCount > 0); i++) await sleep(100);
    await sleep(1500);
    await agent.drain();
    await running;
    await agentBroker.close();

    expect(await stages()).toEqual(["shipped", "shipped"]);
    // The slow accept's message lost its lock while the agent held it.
    expect(deliveries.filter((d) => d.deliveryCount === 0)).toHaveLength(2);
    expect(lost).toHaveLength(1);
    const redelivered = deliveries.find((d) => d.deliveryCount === 1);
    expect(redelivered?.messageId).toBe(lost[0]);
    // Each job ran once: one run, accepted once, shipped once.
    for (const id of ids) {
      const job = await coordinator.coordinator.getJob(undefined, id);
      expect(job.runs.map((run) => run.result)).toEqual(["shipped"]);
      expect(job.events.filter((event) => event.type === "accepted")).toHaveLength(1);
    }
    expect(await dispatchBroker.counts(topology.topic, subscription)).toMatchObject({ active: 0, deadLetter: 0 });
    expect(agent.stats()).toMatchObject({ accepted: 2, released: 2 });
  }, 60_000);
});
