import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { systemClock, type Topology } from "../../contracts/index.js";
import { CredentialRegistry, mintToken } from "../../coordinator/auth/credentials.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { FaultyStore, type StoreFault } from "../../store/faulty-store.js";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import type { Dispatcher } from "../../dispatcher/dispatcher-service.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../../peers/cosmos/embedded-cosmos.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { DefaultAzureCredential } from "@azure/identity";
import { chaosTopology } from "./chaos-topology.js";
import { FaultProxy } from "./fault-proxy.js";

/**
 * Live chaos against Azure when configured: FLEET_CHAOS_SERVICEBUS_NAMESPACE (fully qualified) and
 * FLEET_CHAOS_COSMOS_ENDPOINT, reached with DefaultAzureCredential (the identity needs Manage
 * rights on the namespace to create a scratch topic, and Cosmos data contributor). Faults are
 * injected from the client side only: the proxy, agent signals, coordinator restarts.
 */
export function azureTargetFromEnv(env: NodeJS.ProcessEnv = process.env): { namespace: string; cosmosEndpoint: string; database: string } | undefined {
  const namespace = env.FLEET_CHAOS_SERVICEBUS_NAMESPACE;
  const cosmosEndpoint = env.FLEET_CHAOS_COSMOS_ENDPOINT;
  if (namespace === undefined || cosmosEndpoint === undefined) return undefined;
  return { namespace, cosmosEndpoint, database: env.FLEET_CHAOS_COSMOS_DATABASE ?? "fleet-chaos" };
}

const AGENT = fileURLToPath(new URL("../../factory-agent/main.ts", import.meta.url));

export interface LiveAgent {
  id: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/**
 * The local stack for live chaos: the embedded Cosmos peer behind a TCP fault proxy and a
 * fault-injecting store wrapper (429s, 412 races, timeouts with unknown outcome, which a proxy
 * cannot forge), the local Service Bus broker behind its own TCP fault proxy, the coordinator over HTTP with
 * its dispatcher, and real factory-agent processes. Everything on 127.0.0.1.
 */
export class LiveStack {
  topology!: Topology;
  cosmos: EmbeddedCosmos | undefined;
  broker: LocalServiceBus | undefined;
  proxy!: FaultProxy;
  /** In front of the Cosmos peer; undefined against Azure (HTTPS with endpoint discovery). */
  storeProxy: FaultProxy | undefined;
  store!: FaultyStore;
  app!: CoordinatorProcess;
  dispatcher!: Dispatcher;
  url = "";
  port = 0;
  storeFault: () => StoreFault = () => "none";
  readonly agents: LiveAgent[] = [];
  private poolToken = "";
  private credentials!: CredentialRegistry;
  private serviceBus!: ServiceBusBroker;
  private connectionString = "";
  /** Real Azure resources instead of the local peers (see azureTargetFromEnv). */
  readonly azure = azureTargetFromEnv();
  private agentSeq = 0;

  async start(): Promise<void> {
    this.topology = chaosTopology();
    let inner: CosmosStore;
    if (this.azure === undefined) {
      this.cosmos = await startEmbeddedCosmos();
      this.broker = await startLocalServiceBus({ sweepIntervalMs: 50 });
      this.proxy = new FaultProxy({ host: "127.0.0.1", port: this.broker.port });
      await this.proxy.start();
      this.connectionString = this.broker.connectionString.replace(`:${this.broker.port};`, `:${this.proxy.port};`);
      this.storeProxy = new FaultProxy({ host: "127.0.0.1", port: this.cosmos.port });
      await this.storeProxy.start();
      inner = new CosmosStore({ endpoint: `http://127.0.0.1:${this.storeProxy.port}`, key: this.cosmos.key, database: "chaos", local: true });
    } else {
      // Faults from the client side: the proxy sits in front of the namespace (AMQPS on 5671) and
      // the SDK reaches it through customEndpointAddress; TLS still verifies the namespace's name.
      this.proxy = new FaultProxy({ host: this.azure.namespace, port: 5671 });
      await this.proxy.start();
      this.topology = { ...this.topology, topic: `chaos-${Date.now()}` };
      inner = new CosmosStore({ endpoint: this.azure.cosmosEndpoint, credential: new DefaultAzureCredential(), database: this.azure.database });
    }
    this.store = new FaultyStore(inner, () => this.storeFault());
    const pool = mintToken("pool-general");
    this.poolToken = pool.token;
    this.credentials = new CredentialRegistry({ factories: [{ id: "pool-general", productId: "chaos", pool: "general", secretSha256: pool.secretSha256, revoked: false }], operators: [] });
    this.serviceBus =
      this.azure === undefined
        ? new ServiceBusBroker({ connectionString: this.connectionString })
        : new ServiceBusBroker({ fullyQualifiedNamespace: this.azure.namespace, customEndpointAddress: `https://127.0.0.1:${this.proxy.port}` });
    await this.bootCoordinator(0);
  }

  async bootCoordinator(port: number): Promise<void> {
    const logger = pino({ level: "silent" });
    for (let attempt = 0; ; attempt++) {
      try {
        this.app = await buildCoordinatorProcess({
          store: this.store,
          broker: this.serviceBus,
          topology: this.topology,
          credentials: this.credentials,
          logger,
          clock: systemClock,
          loop: { maxIdleMs: 200 },
          dispatcher: { relay: { backoffMaxMs: 1000, circuitOpenMs: 500 }, deadLetterPollMs: 200 },
          processMetrics: false,
        });
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    this.url = await this.app.listen("127.0.0.1", port);
    this.port = Number(new URL(this.url).port);
    this.dispatcher = this.app.dispatcher!;
  }

  /** kill -9 of the coordinator process, as far as one process can: everything in memory is lost. */
  async crashCoordinator(downMs: number): Promise<void> {
    this.app.crash();
    await this.app.server?.close();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.bootCoordinator(this.port);
  }

  startAgent(env: Record<string, string> = {}): LiveAgent {
    const id = `chaos-agent-${++this.agentSeq}`;
    let output = "";
    const child = spawn(process.execPath, ["--import", "tsx", AGENT], {
      env: {
        ...process.env,
        COORDINATOR_URL: this.url,
        FACTORY_TOKEN: this.poolToken,
        FACTORY_ID: id,
        POOL: "general",
        ...(this.azure === undefined
          ? { SERVICEBUS_CONNECTION_STRING: this.connectionString }
          : { SERVICEBUS_NAMESPACE: this.azure.namespace, SERVICEBUS_ENDPOINT_ADDRESS: `https://127.0.0.1:${this.proxy.port}` }),
        TOPIC: this.topology.topic,
        MODE: "serve",
        IDLE_TIMEOUT_SECONDS: "600",
        SIM_DURATION_MS: "600",
        HEARTBEAT_SECONDS: "2",
        GRACE_SECONDS: "10",
        LOG_LEVEL: "warn",
        WORK_DIR: ".tmp/chaos-work",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    });
    const agent: LiveAgent = { id, child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))), output: () => output };
    this.agents.push(agent);
    return agent;
  }

  liveAgents(): LiveAgent[] {
    return this.agents.filter((a) => a.child.exitCode === null && a.child.signalCode === null);
  }

  async stop(): Promise<void> {
    for (const agent of this.liveAgents()) agent.child.kill("SIGKILL");
    await Promise.all(this.agents.map((a) => a.exited));
    await this.app.close().catch(() => undefined);
    await this.serviceBus.close();
    await this.proxy.close();
    await this.storeProxy?.close();
    await this.store.close();
    await this.broker?.close();
    await this.cosmos?.close();
  }
}
