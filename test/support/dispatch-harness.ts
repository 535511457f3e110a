import pino from "pino";
import { parseTopology } from "../../contracts/topology-file.js";
import { systemClock, type Topology } from "../../contracts/index.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import type { BrokerPort } from "../../broker/port.js";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import type { Dispatcher } from "../../dispatcher/dispatcher-service.js";
import type { OutboxRelayOptions } from "../../dispatcher/outbox-relay.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";

export interface DispatchHarness {
  local: LocalServiceBus;
  broker: BrokerPort;
  store: MemoryStore;
  /** The coordinator of the process started last (start one with startDispatcher first). */
  coordinator: Coordinator;
  topology: Topology;
  /** Starts a coordinator process with its dispatcher on the harness's store (through the composition
   * root, as production does); a second call is a process restart: indexes rebuilt from the store,
   * the relay recovered from its watermark. */
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
  const broker = new ServiceBusBroker({ connectionString: local.connectionString });
  const processes: CoordinatorProcess[] = [];
  const current = () => {
    const last = processes.at(-1);
    if (last === undefined) throw new Error("start a dispatcher first (startDispatcher)");
    return last;
  };
  return {
    local,
    broker,
    store,
    get coordinator() {
      return current().coordinator;
    },
    topology,
    async startDispatcher(relay) {
      // The previous process (if any) is gone, as after a crash: nothing of it keeps running.
      processes.at(-1)?.crash();
      const next = await buildCoordinatorProcess({
        store,
        broker,
        topology,
        credentials: new CredentialRegistry(),
        clock: systemClock,
        logger: pino({ level: "silent" }),
        loop: false,
        http: false,
        scaler: false,
        processMetrics: false,
        dispatcher: { ...(relay === undefined ? {} : { relay }), deadLetterPollMs: 100 },
      });
      processes.push(next);
      await next.dispatcher!.topologyApplied;
      return next.dispatcher!;
    },
    async close() {
      for (const process of processes) await process.close();
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
