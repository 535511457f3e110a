import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { parseTopology } from "../../contracts/topology-file.js";
import { systemClock, type Topology } from "../../contracts/index.js";
import { CredentialRegistry, mintToken } from "../../coordinator/auth/credentials.js";
import { type CoordinatorProcess, type CoordinatorProcessOptions, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import type { Dispatcher } from "../../dispatcher/dispatcher-service.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../../peers/cosmos/embedded-cosmos.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";

const AGENT = fileURLToPath(new URL("../../factory-agent/main.ts", import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export interface AgentHarness {
  topology: Topology;
  cosmos: EmbeddedCosmos;
  local: LocalServiceBus;
  store: CosmosStore;
  broker: ServiceBusBroker;
  app: CoordinatorProcess;
  dispatcher: Dispatcher;
  url: string;
  port: number;
  operatorToken: string;
  /** A fleet-wide operator key (pool pauses and drains affect every product). */
  fleetOperatorToken: string;
  poolToken: string;
  credentials: CredentialRegistry;
  startAgent(env?: Record<string, string>): AgentProcess;
  /** Stops the coordinator (HTTP and loop) and starts a new one on the same port and store. */
  restartCoordinator(downForMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The local stack on the production code paths (the Cosmos adapter on the embedded peer, the
 * Service Bus adapter on the local broker, the coordinator over HTTP, the dispatcher) with real
 * factory-agent processes started on demand.
 */
export async function startAgentHarness(
  poolOverrides: Record<string, unknown> = {},
  options: { artifacts?: CoordinatorProcessOptions["artifacts"] } = {},
): Promise<AgentHarness> {
  const topology = parseTopology({
    topic: "assignments",
    pools: [
      {
        name: "general",
        capabilities: ["lang:ts"],
        image: "factory:test",
        seats: 1,
        maxReplicas: 10,
        workload: "scaledJob",
        leaseSeconds: 6,
        acceptTimeoutSeconds: 60,
        lockDurationSeconds: 10,
        maxDeliveryCount: 3,
        ...poolOverrides,
      },
    ],
  });
  const cosmos = await startEmbeddedCosmos();
  const local = await startLocalServiceBus({ sweepIntervalMs: 50 });
  const store = new CosmosStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: "agents", local: true });
  const operator = mintToken("op-acme");
  const fleetOperator = mintToken("op-fleet");
  const pool = mintToken("pool-general");
  const credentials = new CredentialRegistry({
    operators: [
      { id: "op-acme", productId: "acme", secretSha256: operator.secretSha256, revoked: false },
      { id: "op-fleet", productId: "*", secretSha256: fleetOperator.secretSha256, revoked: false },
    ],
    factories: [{ id: "pool-general", productId: "acme", pool: "general", secretSha256: pool.secretSha256, revoked: false }],
  });
  const logger = pino({ level: "silent" });
  const broker = new ServiceBusBroker({ connectionString: local.connectionString });
  const boot = async (port: number) => {
    const app = await buildCoordinatorProcess({
      store,
      broker,
      topology,
      credentials,
      logger,
      clock: systemClock,
      loop: { maxIdleMs: 200 },
      dispatcher: { deadLetterPollMs: 200 },
      processMetrics: false,
      ...(options.artifacts === undefined ? {} : { artifacts: options.artifacts }),
    });
    const url = await app.listen("127.0.0.1", port);
    const dispatcher = app.dispatcher!;
    await dispatcher.topologyApplied;
    return { app, url, dispatcher };
  };
  let current = await boot(0);
  const port = Number(new URL(current.url).port);
  const agents: AgentProcess[] = [];
  const harness: AgentHarness = {
    topology,
    cosmos,
    local,
    store,
    broker,
    get app() {
      return current.app;
    },
    get dispatcher() {
      return current.dispatcher;
    },
    get url() {
      return current.url;
    },
    port,
    operatorToken: operator.token,
    fleetOperatorToken: fleetOperator.token,
    poolToken: pool.token,
    credentials,
    startAgent(env = {}) {
      let output = "";
      // An empty value removes the variable (e.g. FACTORY_TOKEN: "" for an agent that enrolls).
      const merged: Record<string, string | undefined> = {
          ...process.env,
          COORDINATOR_URL: current.url,
          FACTORY_TOKEN: pool.token,
          POOL: "general",
          SERVICEBUS_CONNECTION_STRING: local.connectionString,
          MODE: "serve",
          IDLE_TIMEOUT_SECONDS: "30",
          SIM_DURATION_MS: "600",
          HEARTBEAT_SECONDS: "2",
          GRACE_SECONDS: "10",
          // Debug: the agent logs each job it takes and releases at debug (at info only anomalies).
          LOG_LEVEL: "debug",
          WORK_DIR: ".tmp/agent-tests",
          ...env,
      };
      const child = spawn(process.execPath, ["--import", "tsx", AGENT], {
        env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined && value !== "")),
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const agent = { child, output: () => output, exited };
      agents.push(agent);
      return agent;
    },
    async restartCoordinator(downForMs) {
      await current.app.close();
      await new Promise((resolve) => setTimeout(resolve, downForMs));
      current = await boot(port);
    },
    async close() {
      for (const agent of agents) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill("SIGKILL");
      await Promise.all(agents.map((a) => a.exited));
      await current.app.close();
      await broker.close();
      await store.close();
      await local.close();
      await cosmos.close();
    },
  };
  return harness;
}
