import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Topology } from "../contracts/index.js";
import { type LocalTokens, persistentDevCredentials } from "../composition/data-dir.js";
import { EMULATOR_KEY } from "../peers/cosmos/embedded-cosmos.js";
import { AZURITE_BLOB_MAIN, AZURITE_READY, azuriteArgs, azuriteConnectionString } from "./azurite-process.js";
import { freePort } from "./free-port.js";
import { Supervisor, type SupervisorEvent } from "./supervisor.js";

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const BROKER = entry("../peers/service-bus/cli.ts");
const COSMOS = entry("../peers/cosmos/cli.ts");
const COORDINATOR = entry("../composition/coordinator-main.ts");
const AUTOSCALER = entry("./autoscaler-main.ts");

export interface SupervisedStackOptions {
  topology: Topology;
  topologyFile: string | undefined;
  /** Where state lives; undefined: a temporary directory removed at stop (nothing survives). */
  dataDir: string | undefined;
  host: string;
  apiPort: number;
  scalerPort: number;
  logLevel: string;
  /** Environment for every agent (engine, durations, idle timeout). */
  agentEnv: Record<string, string>;
  onEvent: (event: SupervisorEvent) => void;
}

export interface SupervisedStack {
  url: string;
  scalerAddress: string;
  connectionString: string;
  /** Azurite's Blob service, where attempts' logs and files go (and its connection string). */
  blobUrl: string;
  artifactsConnectionString: string;
  tokens: LocalTokens;
  dataDir: string | undefined;
  logDir: string;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * `npm start`: every part of the system as its own supervised process, as in a cluster: the
 * Cosmos DB peer (journalled to the data directory), the Service Bus broker, Azurite (Microsoft's
 * Storage emulator, for attempts' logs and files, in the data directory), the coordinator (with
 * the dispatcher and the external scaler), and the autoscaler that starts factory agents. A
 * process that dies is restarted on the same port.
 */
export async function startSupervisedStack(options: SupervisedStackOptions): Promise<SupervisedStack> {
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), "fleet-"));
  const logDir = join(root, "logs");
  const { tokens, credentialsFile } = persistentDevCredentials(root, options.topology);
  const supervisor = new Supervisor({ logDir, onEvent: options.onEvent });
  const stop = async () => {
    await supervisor.stop();
    if (options.dataDir === undefined) rmSync(root, { recursive: true, force: true });
  };
  try {
    const durable = options.dataDir !== undefined;
    const cosmosEndpoint = await supervisor.start({
      name: "cosmos",
      entry: COSMOS,
      args: (previous) => ["--port", previous === undefined ? "0" : new URL(previous).port, ...(durable ? ["--data-dir", join(root, "cosmos")] : ["--in-memory"])],
      ready: /^(http:\/\/\S+)$/,
    });
    const connectionString = await supervisor.start({
      name: "broker",
      entry: BROKER,
      args: (previous) => ["--port", previous === undefined ? "0" : portOfConnectionString(previous), ...(durable ? ["--data-dir", join(root, "broker")] : [])],
      ready: /^(Endpoint=sb:\/\/\S+)$/,
    });
    // Blob Storage through the real SDK: Azurite's Blob service, its data beside the store's.
    const blobUrl = await supervisor.start({
      name: "azurite",
      entry: AZURITE_BLOB_MAIN,
      args: (previous) => azuriteArgs({ port: previous === undefined ? 0 : Number(new URL(previous).port), location: join(root, "azurite") }),
      ready: AZURITE_READY,
    });
    const artifactsConnectionString = azuriteConnectionString(blobUrl);
    const apiPort = options.apiPort === 0 ? await freePort(options.host) : options.apiPort;
    const scalerPort = options.scalerPort === 0 ? await freePort(options.host) : options.scalerPort;
    const url = await supervisor.start({
      name: "coordinator",
      entry: COORDINATOR,
      env: () => ({
        HOST: options.host,
        PORT: String(apiPort),
        SCALER_PORT: String(scalerPort),
        STORE: "cosmos",
        COSMOS_ENDPOINT: cosmosEndpoint,
        COSMOS_KEY: EMULATOR_KEY,
        CREDENTIALS_FILE: credentialsFile,
        SERVICEBUS_CONNECTION_STRING: connectionString,
        ARTIFACTS_CONNECTION_STRING: artifactsConnectionString,
        LOG_LEVEL: options.logLevel,
        REPORTS_DIR: resolve("reports"),
        ...(options.topologyFile === undefined ? {} : { TOPOLOGY_FILE: options.topologyFile }),
      }),
      ready: /^Fleet Dispatch coordinator on (http:\/\/\S+)$/,
      readyTimeoutMs: 60_000,
    });
    const scalerAddress = `${options.host}:${scalerPort}`;
    await supervisor.start({
      name: "autoscaler",
      entry: AUTOSCALER,
      env: () => ({
        COORDINATOR_URL: url,
        SCALER_ADDRESS: scalerAddress,
        SERVICEBUS_CONNECTION_STRING: connectionString,
        TOKENS_FILE: join(root, "tokens.json"),
        WORK_DIR: join(root, "work"),
        ...(options.topologyFile === undefined ? {} : { TOPOLOGY_FILE: options.topologyFile }),
        // Every agent streams its attempts' logs to Azurite.
        ARTIFACTS_CONNECTION_STRING: artifactsConnectionString,
        ...options.agentEnv,
      }),
      ready: /^autoscaler ready/,
    });
    return { url, scalerAddress, connectionString, blobUrl, artifactsConnectionString, tokens, dataDir: options.dataDir, logDir, supervisor, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function portOfConnectionString(connectionString: string): string {
  const match = /Endpoint=sb:\/\/[^:;/]+:(\d+)/.exec(connectionString);
  if (match === null) throw new Error(`no port in the broker's connection string ${connectionString}`);
  return match[1]!;
}
