import pino from "pino";
import { systemClock, systemTimers } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { MemoryBroker } from "../../broker/memory/memory-broker.js";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import { buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { Agent } from "../../factory-agent/agent.js";
import { CoordinatorClient } from "../../factory-agent/coordinator-client.js";
import { NoopEngine } from "../../factory-agent/engines/noop-engine.js";
import { startHeartbeat } from "../../factory-agent/heartbeat.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { InProcessTransport } from "./in-process-transport.js";

export interface CoreInProcessResult {
  jobs: number;
  agents: number;
  seats: number;
  shipped: number;
  seconds: number;
  jobsPerSecond: number;
  /** CPU (user + system) of this one process per shipped job: coordinator, relay, broker, agents. */
  cpuUsPerJob: number;
}

const POOL = "bench";
const silent = pino({ level: "silent" });

/**
 * The core in one process on the memory ports: the coordinator as the composition root builds it
 * (scheduler loop, outbox relay, dead-letter monitor) on the memory store and memory broker, and
 * the shipped agent loop (receive, accept, settle, no-op engine, release) calling the coordinator's
 * methods in process. Every job is submitted first; the clock runs from the first submission to
 * the last job shipped.
 */
export async function measureCoreInProcess(options: { jobs: number; agents: number; seats: number; timeoutMs: number }): Promise<CoreInProcessResult> {
  const topology = parseTopology({
    topic: "assignments",
    pools: [{ name: POOL, capabilities: ["os:linux"], image: "factory:bench", seats: options.seats, maxReplicas: options.agents, workload: "scaledObject" }],
  });
  // realTime: a receive waits for its first message, as the agent expects of a broker.
  const broker = new MemoryBroker({ realTime: true });
  const app = await buildCoordinatorProcess({
    store: new MemoryStore(),
    broker,
    topology,
    credentials: new CredentialRegistry(),
    clock: systemClock,
    logger: silent,
    loop: { maxIdleMs: 50 },
    http: false,
    scaler: false,
    processMetrics: false,
  });
  const agents: Agent[] = [];
  const stops: (() => void)[] = [];
  const runs: Promise<unknown>[] = [];
  try {
    for (let i = 0; i < options.agents; i++) {
      const factoryId = `core-agent-${i + 1}`;
      const transport = new InProcessTransport(app.coordinator, app.factories, { kind: "factory", credentialId: "pool-bench", productId: "bench", pool: POOL, factoryId });
      const client = new CoordinatorClient({ transport, clock: systemClock, timers: systemTimers, random: Math.random });
      const agent = new Agent(
        { pool: POOL, topic: topology.topic, subscription: POOL, mode: "serve", seats: options.seats, idleTimeoutMs: 3_600_000, workDir: ".tmp/bench", defaultWallMs: 3_600_000 },
        { broker, client, engine: new NoopEngine(), logger: silent, clock: systemClock, timers: systemTimers, random: Math.random },
      );
      await client.heartbeat({ load: 0, seats: options.seats, health: "ok" });
      stops.push(startHeartbeat(client, 15_000, () => ({ load: agent.stats().running, seats: options.seats }), silent, systemTimers, () => agent.finishAndExit()));
      agents.push(agent);
      runs.push(agent.run());
    }
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < options.jobs; i++) {
      await app.coordinator.submit("bench", { idempotencyKey: `core-${i}`, bodyMd: "no-op benchmark job", persona: "engineer", capabilities: ["os:linux"], priority: "medium", deps: [], depsMode: "hard", kind: "leaf" });
    }
    const deadline = Date.now() + options.timeoutMs;
    const shipped = () => agents.reduce((total, agent) => total + agent.stats().released, 0);
    while (shipped() < options.jobs && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const done = shipped();
    return {
      jobs: options.jobs,
      agents: options.agents,
      seats: options.seats,
      shipped: done,
      seconds: Number(seconds.toFixed(3)),
      jobsPerSecond: Math.round(done / seconds),
      cpuUsPerJob: done === 0 ? 0 : Math.round((cpu.user + cpu.system) / done),
    };
  } finally {
    for (const stop of stops) stop();
    await Promise.all(agents.map((agent) => agent.drain()));
    await Promise.allSettled(runs);
    await app.close();
    await broker.close();
  }
}
