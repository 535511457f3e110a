import { readFileSync } from "node:fs";
import pino from "pino";
import { loadTopology } from "../contracts/topology-file.js";
import { CredentialRegistry, CredentialsFile } from "./auth/credentials.js";
import { createCoordinatorApp } from "./coordinator-app.js";
import { loadCoordinatorConfig } from "./config.js";
import { mintDevCredentials } from "./dev-credentials.js";
import { startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import type { StorePort } from "../store/port.js";
import { createStore } from "../store/registry.js";
import { formatZodIssues } from "../contracts/validation-message.js";
import { systemClock } from "../contracts/index.js";
import { createBroker } from "../broker/registry.js";
import { startDispatcher } from "../dispatcher/dispatcher-service.js";
import { coordinatorDemandSource } from "../keda/external-scaler/coordinator-demand.js";
import { startExternalScaler } from "../keda/external-scaler/external-scaler-server.js";

/** The coordinator process. `STORE=embedded` (the default) runs the local Cosmos DB protocol peer
 * in-process so the Cosmos adapter is the code path that runs locally. */
async function main(): Promise<void> {
  const config = loadCoordinatorConfig();
  const logger = pino({ level: config.LOG_LEVEL, redact: ["req.headers.authorization", "headers.authorization"] });
  const topology = loadTopology(config.TOPOLOGY_FILE);

  let closePeer: (() => Promise<void>) | undefined;
  let store: StorePort;
  if (config.STORE === "embedded") {
    const peer = await startEmbeddedCosmos({});
    closePeer = peer.close;
    store = createStore({ kind: "cosmos", endpoint: peer.endpoint, key: peer.key, database: config.COSMOS_DATABASE, local: true });
    logger.info({ endpoint: peer.endpoint }, "embedded Cosmos DB peer started");
  } else if (config.STORE === "cosmos") {
    store = createStore({
      kind: "cosmos",
      endpoint: config.COSMOS_ENDPOINT!,
      database: config.COSMOS_DATABASE,
      ...(config.COSMOS_KEY === undefined ? {} : { key: config.COSMOS_KEY }),
    });
  } else {
    store = createStore({ kind: "memory" });
  }

  let credentials: CredentialRegistry;
  let banner: string[] = [];
  if (config.CREDENTIALS_FILE !== undefined) {
    const parsed = CredentialsFile.safeParse(JSON.parse(readFileSync(config.CREDENTIALS_FILE, "utf8")));
    if (!parsed.success) throw new Error(`invalid credentials file ${config.CREDENTIALS_FILE}: ${formatZodIssues(parsed.error.issues)}`);
    credentials = new CredentialRegistry(parsed.data);
  } else {
    const dev = mintDevCredentials(topology);
    credentials = new CredentialRegistry(dev.file);
    banner = [
      "development tokens (no CREDENTIALS_FILE given; new on every start):",
      `  operator (product demo): ${dev.operatorToken}`,
      `  operator (fleet-wide):   ${dev.fleetOperatorToken}`,
      ...Object.entries(dev.poolTokens).map(([pool, token]) => `  pool ${pool}: ${token}`),
    ];
  }

  const app = await createCoordinatorApp({ store, topology, credentials, logger, loopMaxIdleMs: config.TICK_MAX_IDLE_MS, httpLogger: true });
  const url = await app.listen(config.HOST, config.PORT);
  const stops: (() => Promise<void>)[] = [];
  const brokerConnection =
    config.SERVICEBUS_CONNECTION_STRING !== undefined
      ? { connectionString: config.SERVICEBUS_CONNECTION_STRING }
      : config.SERVICEBUS_NAMESPACE !== undefined
        ? { fullyQualifiedNamespace: config.SERVICEBUS_NAMESPACE }
        : undefined;
  if (brokerConnection !== undefined) {
    const broker = createBroker({ kind: "service-bus", ...brokerConnection });
    const dispatcher = await startDispatcher({ broker, topology, coordinator: app.coordinator, store, clock: systemClock, logger });
    const scaler = await startExternalScaler({ source: coordinatorDemandSource(app.coordinator), host: config.HOST, port: config.SCALER_PORT });
    banner.push(`  dispatcher: relaying to Service Bus; external scaler on ${config.HOST}:${scaler.port}`);
    stops.push(() => scaler.close(), () => dispatcher.stop(), () => broker.close());
  } else {
    banner.push("  dispatcher: off (set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE to relay assignments)");
  }
  process.stdout.write(
    [`Fleet Dispatch coordinator on ${url}`, `  API docs: ${url}/docs`, `  metrics:  ${url}/metrics`, ...banner, ""].join("\n"),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    for (const stop of stops) await stop().catch(() => undefined);
    await app.close();
    await store.close();
    await closePeer?.();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`coordinator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
