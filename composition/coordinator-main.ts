import pino from "pino";
import { createBroker } from "../broker/registry.js";
import type { StorePort } from "../store/port.js";
import { createStore } from "../store/registry.js";
import { CredentialRegistry } from "../coordinator/auth/credentials.js";
import { mintDevCredentials } from "../coordinator/dev-credentials.js";
import { startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { COORDINATOR_ENVIRONMENT, compileCoordinatorConfig } from "./coordinator-config.js";
import { buildCoordinatorProcess } from "./coordinator-process.js";
import { readCredentialsFile, reloadCredentialsFile } from "./credentials-source.js";
import { readTopology } from "./topology-source.js";
import { type EntryPointSpec, UsageError, parseEntryArgs, runEntryPoint } from "./entry-point.js";

const SPEC = {
  usage: "npm run coordinator [-- --help]",
  summary:
    "The coordinator process: the /fleet API, scheduler and reaper; with Service Bus configured also the dispatcher (outbox relay, dead-letter monitor) and the KEDA external push scaler. Configured by environment variables.",
  options: {},
  optionHelp: [],
  environment: COORDINATOR_ENVIRONMENT,
} satisfies EntryPointSpec<Record<string, never>>;

/** The production entry point (`npm run coordinator`, the container image). */
async function main(): Promise<number | undefined> {
  const args = parseEntryArgs(SPEC, process.argv.slice(2));
  if (args === undefined) return 0;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (configuration comes from the environment; see --help)`);
  const config = compileCoordinatorConfig();
  const logger = pino({ level: config.logLevel, redact: ["req.headers.authorization", "headers.authorization"] });
  // SIGHUP re-reads CREDENTIALS_FILE and never stops the process (Node's default would). Installed
  // first, so a SIGHUP during start-up is not fatal either.
  let credentials: CredentialRegistry | undefined;
  process.on("SIGHUP", () => {
    if (config.credentialsFile === undefined) {
      logger.warn("SIGHUP: there is no CREDENTIALS_FILE to re-read (development tokens stay as they are)");
      return;
    }
    if (credentials === undefined) {
      logger.warn("SIGHUP during start-up: the credentials file is read once the coordinator is built");
      return;
    }
    reloadCredentialsFile(credentials, config.credentialsFile, logger);
  });
  const topology = readTopology(config.topologyFile);
  const cleanups: (() => Promise<void>)[] = [];
  let store: StorePort;
  if (config.store.kind === "embedded") {
    const peer = await startEmbeddedCosmos({});
    cleanups.push(() => peer.close());
    store = createStore({ kind: "cosmos", endpoint: peer.endpoint, key: peer.key, database: config.store.database, local: true });
    logger.info({ endpoint: peer.endpoint }, "embedded Cosmos DB peer started");
  } else {
    store = createStore(config.store);
  }
  cleanups.unshift(() => store.close());

  const banner: string[] = [];
  let registry: CredentialRegistry;
  if (config.credentialsFile !== undefined) {
    registry = new CredentialRegistry(readCredentialsFile(config.credentialsFile));
  } else {
    const dev = mintDevCredentials(topology);
    registry = new CredentialRegistry(dev.file);
    banner.push(
      "development tokens (no CREDENTIALS_FILE given):",
      `  operator (product demo): ${dev.operatorToken}`,
      `  operator (fleet-wide):   ${dev.fleetOperatorToken}`,
      ...Object.entries(dev.poolTokens).map(([pool, token]) => `  pool ${pool}: ${token}`),
    );
  }
  const broker = config.broker === undefined ? undefined : createBroker(config.broker);
  if (broker !== undefined) cleanups.unshift(() => broker.close());
  const processHandle = await buildCoordinatorProcess({
    store,
    ...(broker === undefined ? {} : { broker }),
    topology,
    credentials: registry,
    logger,
    loop: { maxIdleMs: config.loopMaxIdleMs },
    http: { logRequests: true, rateLimit: config.rateLimit, trustProxyHops: config.trustProxyHops },
    credentialStalenessMs: config.credentialStalenessMs,
    scaler: config.scaler,
  });
  credentials = registry;
  cleanups.unshift(() => processHandle.close());
  const url = await processHandle.listen(config.listen.host, config.listen.port);
  banner.push(
    processHandle.dispatcher === undefined
      ? "  dispatcher: off (set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE to relay assignments)"
      : `  dispatcher: relaying to Service Bus; external scaler on ${config.scaler.host}:${processHandle.scaler?.port ?? "off"}`,
  );
  process.stdout.write([`Fleet Dispatch coordinator on ${url}`, `  API docs: ${url}/docs`, `  metrics:  ${url}/metrics`, ...banner, ""].join("\n"));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => logger.warn({ err: error }, "shutdown step failed"));
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  return undefined;
}

runEntryPoint("coordinator", main);
