import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { systemClock, subscriptionNameFor, type Topology } from "../contracts/index.js";
import { CredentialRegistry } from "../coordinator/auth/credentials.js";
import { mintDevCredentials } from "../coordinator/dev-credentials.js";
import { createStore } from "../store/registry.js";
import type { StorePort } from "../store/port.js";
import { createBroker } from "../broker/registry.js";
import type { BrokerPort } from "../broker/port.js";
import type { Dispatcher } from "../dispatcher/dispatcher-service.js";
import { type CoordinatorProcess, type CoordinatorProcessOptions, buildCoordinatorProcess } from "../composition/coordinator-process.js";
import { coordinatorDemandSource } from "../composition/demand-source.js";
import type { ReplicaSource } from "../composition/replica-source.js";
import { demandMetric } from "../keda/external-scaler/pool-demand.js";
import { LocalAutoscaler } from "../keda/local/local-autoscaler.js";
import { ProcessLauncher } from "../keda/local/process-launcher.js";
import { startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { createArtifactStore } from "../artifacts/registry.js";
import { startAzurite } from "./azurite-process.js";
import { type BrokerProcess, startBrokerProcess } from "./broker-process.js";

export interface LocalStackOptions {
  topology: Topology;
  logger: Logger;
  host?: string;
  apiPort?: number;
  scalerPort?: number;
  /** Environment for every agent: engine settings, idle timeout. */
  agentEnv?: Record<string, string>;
  workDir?: string;
  /** The console's reports folder (default `reports`), stream limits and pool sampling. */
  console?: Pick<CoordinatorProcessOptions, "reportsDir" | "streams" | "poolHistory">;
}

export interface LocalStack {
  url: string;
  scalerAddress: string;
  connectionString: string;
  /** Azurite's connection string: where the agents' attempt logs and files go. */
  artifactsConnectionString: string;
  operatorToken: string;
  fleetOperatorToken: string;
  app: CoordinatorProcess;
  autoscaler: LocalAutoscaler;
  dispatcher: Dispatcher;
  broker: BrokerPort;
  store: StorePort;
  stop(): Promise<void>;
}

/**
 * The whole system on one machine, on the production code paths: the embedded Cosmos DB peer
 * (through the Cosmos adapter), the local Service Bus broker as its own process (through the
 * Service Bus adapter), Azurite as its own process (through the Blob Storage adapter: attempts'
 * logs and files), the coordinator and dispatcher, the external push scaler, and the local
 * autoscaler starting factory-agent processes with KEDA's formulas.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { topology, logger } = options;
  const workDir = options.workDir ?? ".tmp/stack";
  mkdirSync(workDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => logger.warn({ err: error }, "shutdown step failed"));
  };
  try {
    const cosmos = await startEmbeddedCosmos({});
    cleanups.push(() => cosmos.close());
    const store = createStore({ kind: "cosmos", endpoint: cosmos.endpoint, key: cosmos.key, database: "fleet", local: true });
    cleanups.push(() => store.close());
    const brokerProcess: BrokerProcess = await startBrokerProcess({});
    cleanups.push(() => brokerProcess.stop());
    const broker = createBroker({ kind: "service-bus", connectionString: brokerProcess.connectionString });
    cleanups.push(() => broker.close());
    const azurite = await startAzurite();
    cleanups.push(() => azurite.stop());
    const artifactStore = createArtifactStore({ kind: "azure-blob", connectionString: azurite.connectionString });
    const dev = mintDevCredentials(topology);
    let autoscaler: LocalAutoscaler | undefined;
    // Replica counts come from the local autoscaler (created below, once the API's URL is known).
    const replicas: ReplicaSource = {
      replicas(pool) {
        const state = autoscaler?.states().find((s) => s.pool === pool.name);
        return state === undefined ? undefined : { desired: state.desired, actual: state.running + state.pending };
      },
    };
    const host = options.host ?? "127.0.0.1";
    const app = await buildCoordinatorProcess({
      store,
      broker,
      topology,
      credentials: new CredentialRegistry(dev.file),
      logger,
      scaler: { host, port: options.scalerPort ?? 9090 },
      replicas,
      reportsDir: "reports",
      artifacts: { store: artifactStore, retentionDays: 30 },
      ...options.console,
    });
    cleanups.push(() => app.close());
    const url = await app.listen(host, options.apiPort ?? 8080);
    const dispatcher = app.dispatcher!;
    await dispatcher.topologyApplied;
    const scaler = app.scaler!;
    const demand = coordinatorDemandSource(app.coordinator);
    autoscaler = new LocalAutoscaler({
      topology,
      clock: systemClock,
      launcher: new ProcessLauncher({
        coordinatorUrl: url,
        serviceBusConnectionString: brokerProcess.connectionString,
        poolTokens: dev.poolTokens,
        logDir: join(workDir, "agents"),
        env: { WORK_DIR: join(workDir, "work"), LOG_LEVEL: "info", ARTIFACTS_CONNECTION_STRING: azurite.connectionString, LOG_FLUSH_SECONDS: "1", ...options.agentEnv },
      }),
      metric: async (pool) => {
        if (pool.trigger === "external-push") {
          const value = demand.demand(pool.name);
          return value === undefined ? 0 : demandMetric(value);
        }
        return (await broker.counts(topology.topic, subscriptionNameFor(pool.name))).active;
      },
      onError: (pool, error) => logger.warn({ pool, err: error }, "autoscaler poll failed"),
      onScale: (pool, change) => logger.info({ pool, ...change }, "scaled"),
    });
    const scaling = autoscaler;
    cleanups.push(() => scaling.stop());
    autoscaler.start();
    return {
      url,
      scalerAddress: `127.0.0.1:${scaler.port}`,
      connectionString: brokerProcess.connectionString,
      artifactsConnectionString: azurite.connectionString,
      operatorToken: dev.operatorToken,
      fleetOperatorToken: dev.fleetOperatorToken,
      app,
      autoscaler,
      dispatcher,
      broker,
      store,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
