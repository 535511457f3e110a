import pino from "pino";
import { parseTopology } from "../contracts/topology-file.js";
import { systemClock } from "../contracts/index.js";
import { Coordinator } from "../coordinator/service/coordinator.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import type { BrokerPort, BrokerReceiver } from "../broker/port.js";
import { ServiceBusBroker } from "../broker/service-bus/service-bus-broker.js";
import { startDispatcher } from "../dispatcher/dispatcher-service.js";
import { startLocalServiceBus } from "../peers/service-bus/broker.js";

export interface RelayResult {
  jobs: number;
  seconds: number;
  messagesPerSecond: number;
  brokerOpsPerJob: { send: number; receive: number; complete: number; total: number };
}

/** Counts broker operations per message, as a decorator around any adapter. */
function counting(broker: BrokerPort, counts: { send: number; receive: number; complete: number }): BrokerPort {
  return {
    ensureTopology: (t) => broker.ensureTopology(t),
    publish: async (topic, messages) => {
      await broker.publish(topic, messages);
      counts.send += messages.length;
    },
    openReceiver: (address, options) => {
      const inner: BrokerReceiver = broker.openReceiver(address, options);
      return {
        ...inner,
        receive: async (max, wait) => {
          const got = await inner.receive(max, wait);
          counts.receive += got.length;
          return got;
        },
        complete: async (message) => {
          await inner.complete(message);
          counts.complete++;
        },
        abandon: (m) => inner.abandon(m),
        deadLetter: (m, r, d) => inner.deadLetter(m, r, d),
        renewLock: (m) => inner.renewLock(m),
        close: () => inner.close(),
      };
    },
    counts: (topic, sub) => broker.counts(topic, sub),
    close: () => broker.close(),
  };
}

/** Relay throughput through the real SDK to the local broker, and broker operations per job on the
 * happy path (the relay's send, the agent's receive and complete). */
export async function measureRelay(jobs: number): Promise<RelayResult> {
  const local = await startLocalServiceBus({});
  const topology = parseTopology({
    topic: "assignments",
    pools: [{ name: "general", capabilities: ["lang:ts"], image: "bench", seats: 1, maxReplicas: 1000, workload: "scaledJob" }],
  });
  const store = new MemoryStore();
  const coordinator = new Coordinator({ store, clock: systemClock, topology, capacityWindow: () => jobs });
  await coordinator.start();
  const counts = { send: 0, receive: 0, complete: 0 };
  const broker = counting(new ServiceBusBroker({ connectionString: local.connectionString }), counts);
  const dispatcher = await startDispatcher({
    broker,
    topology,
    store,
    isAwaitingAccept: (jobId, epoch) => coordinator.isAwaitingAccept(jobId, epoch),
    deadLetters: coordinator,
    clock: systemClock,
    logger: pino({ level: "silent" }),
  });
  coordinator.addSink(dispatcher.relay);
  await dispatcher.topologyApplied;
  for (let i = 0; i < jobs; i++) {
    await coordinator.submit("bench", { bodyMd: `job ${i}`, persona: "engineer", capabilities: ["lang:ts"], priority: "medium", deps: [], depsMode: "hard", kind: "leaf" });
  }
  const started = performance.now();
  await coordinator.tick();
  while (dispatcher.relay.stats().published < jobs) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  const receiver = broker.openReceiver({ topic: topology.topic, subscription: "general" });
  let drained = 0;
  while (drained < jobs) {
    const batch = await receiver.receive(100, 2000);
    if (batch.length === 0) break;
    for (const message of batch) await receiver.complete(message);
    drained += batch.length;
  }
  await receiver.close();
  await dispatcher.stop();
  await broker.close();
  await local.close();
  const per = (n: number) => n / jobs;
  return {
    jobs,
    seconds,
    messagesPerSecond: jobs / seconds,
    brokerOpsPerJob: { send: per(counts.send), receive: per(counts.receive), complete: per(counts.complete), total: per(counts.send + counts.receive + counts.complete) },
  };
}
