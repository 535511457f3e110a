import { z } from "zod";
import { formatZodIssues } from "../contracts/validation-message.js";
import type { BrokerConfig } from "../broker/registry.js";
import { ArtifactEnv, artifactEnvProblem, artifactStoreOf } from "../artifacts/artifact-env.js";
import type { ArtifactStoreConfig } from "../artifacts/registry.js";
import { UsageError } from "./entry-point.js";

const Port = z.coerce.number().int().min(0).max(65_535);

/** The coordinator's environment, validated once at start. */
export const CoordinatorEnv = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: Port.default(8080),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Per-request logs (request received, completed, rejected with a 4xx): at most this verbose. */
  REQUEST_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn"),
  /** memory: in-process maps; embedded: the local Cosmos DB protocol peer in-process; cosmos: a real account. */
  STORE: z.enum(["memory", "embedded", "cosmos"]).default("embedded"),
  COSMOS_ENDPOINT: z.string().url().optional(),
  /** Account key; leave unset to use managed identity (DefaultAzureCredential). */
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z.string().min(1).default("fleet"),
  TOPOLOGY_FILE: z.string().min(1).optional(),
  /** JSON file of hashed credentials; without it a local run mints development tokens. */
  CREDENTIALS_FILE: z.string().min(1).optional(),
  TICK_MAX_IDLE_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Service Bus: a connection string, or the fully qualified namespace for managed identity.
   * With either, this process also runs the dispatcher (outbox relay, dead-letter monitor). */
  SERVICEBUS_CONNECTION_STRING: z.string().min(1).optional(),
  SERVICEBUS_NAMESPACE: z.string().min(1).optional(),
  /** Port of the KEDA external push scaler (gRPC), served when the dispatcher runs. */
  SCALER_PORT: Port.default(9090),
  /** The operator role's default request limit (CREDENTIALS_FILE's rateLimits and a key's own win). */
  RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(1_000_000).default(200),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(400),
  /** Where the embedded store and the development tokens live (STORE=embedded). */
  FLEET_DATA_DIR: z.string().min(1).optional(),
  /** A folder of chaos and load reports the console lists (local use). */
  REPORTS_DIR: z.string().min(1).optional(),
  /** The most a revocation through the API may lag on this replica. */
  CREDENTIAL_STALENESS_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** Proxy hops in front of the coordinator whose X-Forwarded-For is believed (Container Apps ingress: 1). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Blob Storage for attempts' logs and files (artifacts/artifact-env.ts). Without it, pointers
   * are listed and nothing is served. */
  ...ArtifactEnv,
  /** Artifacts older than this are deleted (0: kept until an operator deletes them). */
  ARTIFACT_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
});
export type CoordinatorEnv = z.infer<typeof CoordinatorEnv>;

/** The compiled configuration: every choice made, nothing left to parse. */
export interface CoordinatorConfig {
  listen: { host: string; port: number };
  scaler: { host: string; port: number };
  logLevel: CoordinatorEnv["LOG_LEVEL"];
  requestLogLevel: CoordinatorEnv["REQUEST_LOG_LEVEL"];
  store:
    | { kind: "memory" }
    | { kind: "embedded"; database: string }
    /** `local`: the Cosmos DB protocol peer over plain HTTP (no endpoint discovery). */
    | { kind: "cosmos"; endpoint: string; key?: string; database: string; local: boolean };
  /** FLEET_DATA_DIR as given (the entry point's flags may override it). */
  dataDir: string | undefined;
  reportsDir: string | undefined;
  broker: Extract<BrokerConfig, { kind: "service-bus" }> | undefined;
  topologyFile: string | undefined;
  credentialsFile: string | undefined;
  loopMaxIdleMs: number;
  rateLimit: { perSecond: number; burst: number };
  credentialStalenessMs: number;
  trustProxyHops: number;
  artifacts: Exclude<ArtifactStoreConfig, { kind: "memory" }> | undefined;
  /** Undefined: kept until deleted. */
  artifactRetentionDays: number | undefined;
}

/** Environment variables, their defaults and meanings, for `--help`. */
export const COORDINATOR_ENVIRONMENT: readonly (readonly [string, string, string])[] = [
  ["HOST, PORT", "127.0.0.1, 8080", "HTTP listener"],
  ["STORE", "embedded", "embedded (local Cosmos DB peer in process), cosmos (an account), memory"],
  ["COSMOS_ENDPOINT", "", "the account endpoint (required with STORE=cosmos); an http:// endpoint is the local Cosmos DB peer (npm run cosmos)"],
  ["COSMOS_KEY", "", "account key; unset means managed identity (DefaultAzureCredential)"],
  ["COSMOS_DATABASE", "fleet", "database name"],
  ["FLEET_DATA_DIR", ".fleet", "with STORE=embedded: where the store's journal and the development tokens live (as --data-dir)"],
  ["TOPOLOGY_FILE", "topology/fleet.yaml", "the pools"],
  ["REPORTS_DIR", "", "a folder of chaos and load reports (reports/*.json) the console lists; unset: none"],
  ["CREDENTIALS_FILE", "", "hashed operator keys and factory tokens, re-read on SIGHUP; unset: development tokens"],
  ["SERVICEBUS_CONNECTION_STRING", "", "with it (or SERVICEBUS_NAMESPACE) the process runs the dispatcher and the external scaler"],
  ["SERVICEBUS_NAMESPACE", "", "fully qualified namespace, reached with managed identity"],
  ["SCALER_PORT", "9090", "gRPC port of the KEDA external push scaler (0: any free port)"],
  ["RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST", "200, 400", "default requests per second and burst of an operator key (other roles: CREDENTIALS_FILE rateLimits)"],
  ["CREDENTIAL_STALENESS_MS", "1000", "the most a revocation through the API lags on this replica"],
  ["TRUST_PROXY_HOPS", "0", "proxies in front whose X-Forwarded-For is believed (per-address limits); 1 behind an ingress"],
  ["ARTIFACTS_CONNECTION_STRING", "", "Blob Storage for attempts' logs and files (Azurite locally, or an account key); unset: pointers only, no downloads"],
  ["ARTIFACTS_ACCOUNT_URL", "", "instead: https://<account>.blob.core.windows.net, reached with managed identity (AZURE_CLIENT_ID); enables user-delegation links"],
  ["ARTIFACTS_CONTAINER", "fleet-artifacts", "the one container; blob names start with the product (<product>/<job>/<epoch>/...)"],
  ["ARTIFACT_RETENTION_DAYS", "30", "artifacts older than this are deleted by an hourly sweep (0: kept until an operator deletes them)"],
  ["TICK_MAX_IDLE_MS", "1000", "longest sleep of the scheduler loop"],
  ["LOG_LEVEL", "info", "fatal, error, warn, info, debug, trace, silent"],
  ["REQUEST_LOG_LEVEL", "warn", "per-request logs (received, completed, rejected): info logs every request, warn (the default) none but failures; never more than LOG_LEVEL"],
];

/** Validates the environment and compiles it; a bad value is a UsageError naming every bad variable. */
export function compileCoordinatorConfig(env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  const result = CoordinatorEnv.safeParse(env);
  if (!result.success) throw new UsageError(`invalid configuration: ${formatZodIssues(result.error.issues)}`);
  const e = result.data;
  const problems: string[] = [];
  if (e.STORE === "cosmos" && e.COSMOS_ENDPOINT === undefined) problems.push("COSMOS_ENDPOINT is required when STORE=cosmos");
  if (e.SERVICEBUS_CONNECTION_STRING !== undefined && e.SERVICEBUS_NAMESPACE !== undefined) {
    problems.push("set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE, not both");
  }
  if (e.SERVICEBUS_CONNECTION_STRING !== undefined && !/(^|;)Endpoint=sb:\/\/[^;/]+/i.test(e.SERVICEBUS_CONNECTION_STRING)) {
    problems.push("SERVICEBUS_CONNECTION_STRING must contain Endpoint=sb://<host>");
  }
  if (e.SERVICEBUS_NAMESPACE !== undefined && !/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i.test(e.SERVICEBUS_NAMESPACE)) {
    problems.push("SERVICEBUS_NAMESPACE must be the fully qualified host, e.g. fleet.servicebus.windows.net");
  }
  const artifactProblem = artifactEnvProblem(e);
  if (artifactProblem !== undefined) problems.push(artifactProblem);
  if (problems.length > 0) throw new UsageError(`invalid configuration: ${problems.join("; ")}`);
  const store: CoordinatorConfig["store"] =
    e.STORE === "memory"
      ? { kind: "memory" }
      : e.STORE === "embedded"
        ? { kind: "embedded", database: e.COSMOS_DATABASE }
        : {
            kind: "cosmos",
            endpoint: e.COSMOS_ENDPOINT!,
            database: e.COSMOS_DATABASE,
            // Cosmos DB accounts are HTTPS; a plain-HTTP endpoint is the local protocol peer.
            local: e.COSMOS_ENDPOINT!.startsWith("http://"),
            ...(e.COSMOS_KEY === undefined ? {} : { key: e.COSMOS_KEY }),
          };
  const broker: CoordinatorConfig["broker"] =
    e.SERVICEBUS_CONNECTION_STRING !== undefined
      ? { kind: "service-bus", connectionString: e.SERVICEBUS_CONNECTION_STRING }
      : e.SERVICEBUS_NAMESPACE !== undefined
        ? { kind: "service-bus", fullyQualifiedNamespace: e.SERVICEBUS_NAMESPACE }
        : undefined;
  return {
    dataDir: e.FLEET_DATA_DIR,
    reportsDir: e.REPORTS_DIR,
    listen: { host: e.HOST, port: e.PORT },
    scaler: { host: e.HOST, port: e.SCALER_PORT },
    logLevel: e.LOG_LEVEL,
    requestLogLevel: e.REQUEST_LOG_LEVEL,
    store,
    broker,
    topologyFile: e.TOPOLOGY_FILE,
    credentialsFile: e.CREDENTIALS_FILE,
    loopMaxIdleMs: e.TICK_MAX_IDLE_MS,
    rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST },
    credentialStalenessMs: e.CREDENTIAL_STALENESS_MS,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    artifacts: artifactStoreOf(e),
    artifactRetentionDays: e.ARTIFACT_RETENTION_DAYS === 0 ? undefined : e.ARTIFACT_RETENTION_DAYS,
  };
}
