import pino from "pino";
import { parseTopology } from "../../contracts/topology-file.js";
import { systemClock, type Topology } from "../../contracts/index.js";
import { Coordinator } from "../../coordinator/service/coordinator.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import type { BrokerPort } from "../../broker/port.js";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import { type Dispatcher, startDispatcher } from "../../dispatcher/dispatcher-service.js";
import type { OutboxRelayOptions } from "../../dispatcher/outbox-relay.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";

export interface DispatchHarness {
  local: LocalServiceBus;
  broker: BrokerPort;
  store: MemoryStore;
  coordinator: Coordinator;
  topology: Topology;
  startDispatcher(relay?: Partial<OutboxRelayOptions>): Promise<Dispatcher>;
  close(): Promise<void>;
}

let topics = 0;

/** A coordinator (memory store, system clock) wired to the real Service Bus SDK on the local broker. */
export async function startDispatchHarness(options: { window?: number; maxDeliveryCount?: number; local?: LocalServiceBus } = {}): Promise<DispatchHarness> {
  const local = options.local ?? (await startLocalServiceBus({ sweepIntervalMs: 50 }));
  const topology = parseTopology({
    topic: `assignments-${process.pid}-${++topics}`,
    pools: [
      {
        name: "general",
        capabilities: ["lang:ts"],
        image: "factory:test",
        seats: 1,
        maxReplicas: options.window ?? 1000,
        workload: "scaledJob",
        maxDeliveryCount: options.maxDeliveryCount ?? 3,
        lockDurationSeconds: 5,
        acceptTimeoutSeconds: 300,
      },
    ],
  });
  const store = new MemoryStore();
  const coordinator = new Coordinator({ store, clock: systemClock, topology });
  await coordinator.start();
  const broker = new ServiceBusBroker({ connectionString: local.connectionString });
  const dispatchers: Dispatcher[] = [];
  return {
    local,
    broker,
    store,
    coordinator,
    topology,
    async startDispatcher(relay) {
      const dispatcher = await startDispatcher({
        broker,
        topology,
        store,
        isAwaitingAccept: (jobId, epoch) => coordinator.isAwaitingAccept(jobId, epoch),
        deadLetters: coordinator,
        clock: systemClock,
        logger: pino({ level: "silent" }),
        ...(relay === undefined ? {} : { relay }),
        deadLetterPollMs: 100,
      });
      coordinator.addSink(dispatcher.relay);
      await dispatcher.topologyApplied;
      dispatchers.push(dispatcher);
      return dispatcher;
    },
    async close() {
      for (const d of dispatchers) await d.stop();
      await broker.close();
      if (options.local === undefined) await local.close();
    },
  };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
