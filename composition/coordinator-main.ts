import { join } from "node:path";
import pino from "pino";
import { createBroker } from "../broker/registry.js";
import type { StorePort } from "../store/port.js";
import { createStore } from "../store/registry.js";
import { createArtifactStore } from "../artifacts/registry.js";
import { CredentialRegistry } from "../coordinator/auth/credentials.js";
import { mintDevCredentials } from "../coordinator/dev-credentials.js";
import { startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { COORDINATOR_ENVIRONMENT, compileCoordinatorConfig } from "./coordinator-config.js";
import { buildCoordinatorProcess } from "./coordinator-process.js";
import { readCredentialsFile, reloadCredentialsFile } from "./credentials-source.js";
import { readTopology } from "./topology-source.js";
import { chooseDataDir, persistentDevCredentials } from "./data-dir.js";
import { type EntryPointSpec, UsageError, parseEntryArgs, runEntryPoint } from "./entry-point.js";
import { LEADERSHIP_ENVIRONMENT, assertLeaseFitsPools, compileLeadershipConfig } from "./leadership/leadership-config.js";
import { runReplica } from "./leadership/run-replica.js";

const SPEC = {
  usage: "npm run coordinator -- [--data-dir DIR] [--fresh] [--in-memory]",
  summary:
    "The coordinator process: the /fleet API, scheduler and reaper; with Service Bus configured also the dispatcher (outbox relay, dead-letter monitor) and the KEDA external push scaler. Configured by environment variables. With STORE=embedded (the default) the Cosmos DB peer runs inside it and journals every acknowledged write to the data directory before answering.",
  options: { "data-dir": { type: "string" }, fresh: { type: "boolean" }, "in-memory": { type: "boolean" } },
  optionHelp: [
    ["--data-dir DIR", "STORE=embedded: where the journal and the development tokens live (default .fleet, or $FLEET_DATA_DIR)"],
    ["--fresh", "wipe the data directory first"],
    ["--in-memory", "keep nothing on disk (every restart starts empty, with new tokens)"],
  ],
  environment: [...COORDINATOR_ENVIRONMENT, ...LEADERSHIP_ENVIRONMENT],
} satisfies EntryPointSpec<Record<string, { type: "string" | "boolean" }>>;

/** The production entry point (`npm run coordinator`, the container image). */
async function main(): Promise<number | undefined> {
  const args = parseEntryArgs(SPEC, process.argv.slice(2));
  if (args === undefined) return 0;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (configuration comes from the environment; see --help)`);
  const config = compileCoordinatorConfig();
  const leadership = compileLeadershipConfig(process.env, config.listen);
  if (leadership.enabled && config.store.kind !== "cosmos") {
    throw new UsageError(`LEADER_ELECTION=on needs a store every replica shares: set STORE=cosmos (not ${config.store.kind}), or LEADER_ELECTION=off for a single coordinator`);
  }
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
  if (leadership.enabled) assertLeaseFitsPools(leadership.timing, topology);
  // The data directory matters only where this process keeps state: the embedded store, and
  // development tokens when no credentials file is given.
  const keepsState = config.store.kind === "embedded" || config.credentialsFile === undefined;
  const data = keepsState
    ? chooseDataDir({ flag: args.text("data-dir"), env: config.dataDir, fresh: args.flag("fresh"), inMemory: args.flag("in-memory") || config.store.kind === "memory" })
    : { dir: undefined, wiped: false };
  const cleanups: (() => Promise<void>)[] = [];
  const banner: string[] = [];
  let store: StorePort;
  if (config.store.kind === "embedded") {
    const peer = await startEmbeddedCosmos(data.dir === undefined ? {} : { dataDir: join(data.dir, "cosmos") });
    cleanups.push(() => peer.close());
    store = createStore({ kind: "cosmos", endpoint: peer.endpoint, key: peer.key, database: config.store.database, local: true });
    banner.push(
      data.dir === undefined
        ? "  store:    embedded Cosmos DB peer, in memory (nothing survives a restart)"
        : `  store:    embedded Cosmos DB peer, journalled to ${join(data.dir, "cosmos")} (every 201 is on disk)${data.wiped ? "; wiped at start" : ""}`,
    );
  } else {
    store = createStore(config.store);
    banner.push(`  store:    ${config.store.kind === "memory" ? "in memory (nothing survives a restart)" : `Cosmos DB at ${config.store.endpoint}`}`);
  }
  cleanups.unshift(() => store.close());

  let registry: CredentialRegistry;
  if (config.credentialsFile !== undefined) {
    registry = new CredentialRegistry(readCredentialsFile(config.credentialsFile));
  } else {
    const dev = data.dir === undefined ? { tokens: mintDevCredentials(topology), minted: true, credentialsFile: undefined } : persistentDevCredentials(data.dir, topology);
    const file = "file" in dev.tokens ? dev.tokens.file : readCredentialsFile(dev.credentialsFile!);
    registry = new CredentialRegistry(file);
    banner.push(
      `development tokens (no CREDENTIALS_FILE given; ${data.dir === undefined ? "new on every start" : `kept in ${join(data.dir, "tokens.json")}`}):`,
      `  operator (product demo): ${dev.tokens.operatorToken}`,
      `  operator (fleet-wide):   ${dev.tokens.fleetOperatorToken}`,
      ...Object.entries(dev.tokens.poolTokens).map(([pool, token]) => `  pool ${pool}: ${token}`),
    );
  }
  const broker = config.broker === undefined ? undefined : createBroker(config.broker);
  if (broker !== undefined) cleanups.unshift(() => broker.close());
  const artifactStore = config.artifacts === undefined ? undefined : createArtifactStore(config.artifacts);
  banner.push(
    config.artifacts === undefined
      ? "  artifacts: pointers only (set ARTIFACTS_CONNECTION_STRING or ARTIFACTS_ACCOUNT_URL to serve logs and files)"
      : `  artifacts: Blob Storage, container ${config.artifacts.container ?? "fleet-artifacts"}${"accountUrl" in config.artifacts ? ` at ${config.artifacts.accountUrl} (managed identity)` : ""}; kept ${config.artifactRetentionDays === undefined ? "until deleted" : `${config.artifactRetentionDays} days`}`,
  );
  const processOptions = {
    topology,
    credentials: registry,
    logger,
    loop: { maxIdleMs: config.loopMaxIdleMs },
    http: { logRequests: true, requestLogLevel: config.requestLogLevel, rateLimit: config.rateLimit, trustProxyHops: config.trustProxyHops },
    credentialStalenessMs: config.credentialStalenessMs,
    ...(config.reportsDir === undefined ? {} : { reportsDir: config.reportsDir }),
    artifacts: { ...(artifactStore === undefined ? {} : { store: artifactStore }), ...(config.artifactRetentionDays === undefined ? {} : { retentionDays: config.artifactRetentionDays }) },
  };
  if (leadership.enabled) {
    // One of several replicas: it serves (and builds its coordinator) only while it leads.
    credentials = registry;
    const replica = await runReplica({ leadership, listen: config.listen, scaler: config.scaler, store, broker, logger, process: processOptions, cleanups });
    process.stdout.write([`Fleet Dispatch coordinator on ${replica.url}`, `  console:  ${replica.url}/ui/`, `  API docs: ${replica.url}/docs`, `  metrics:  ${replica.url}/metrics`, ...banner, ...replica.describe, ""].join("\n"));
    const stop = (signal: string) => {
      logger.info({ signal }, "shutting down");
      void replica.shutdown().finally(() => process.exit(0));
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    return undefined;
  }
  const processHandle = await buildCoordinatorProcess({
    store,
    ...(broker === undefined ? {} : { broker }),
    ...processOptions,
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
  process.stdout.write([`Fleet Dispatch coordinator on ${url}`, `  console:  ${url}/ui/`, `  API docs: ${url}/docs`, `  metrics:  ${url}/metrics`, ...banner, ""].join("\n"));

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
