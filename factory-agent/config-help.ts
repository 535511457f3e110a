import { AgentEnv } from "./config.js";

type Variable = keyof typeof AgentEnv.shape;

/** What each variable means; `default` only where the schema cannot say it (derived values). The
 * Record type makes a new variable in AgentEnv fail to compile until it is described here. */
const VARIABLES: Readonly<Record<Variable, { meaning: string; default?: string }>> = {
  COORDINATOR_URL: { meaning: "the coordinator's base URL, e.g. http://127.0.0.1:8080" },
  FACTORY_TOKEN: { meaning: "a bearer token (<credential id>.<secret>): a pool token or this factory's own; the coordinator checks at start that it belongs to POOL. Set it or ENROLLMENT_TOKEN" },
  ENROLLMENT_TOKEN: {
    meaning: "instead of FACTORY_TOKEN: the pool's enrollment token (a platform secret), exchanged at start for this factory's own token, rotated before it expires and revoked at a clean exit",
  },
  POOL: { meaning: "the pool this agent serves; must be the pool of FACTORY_TOKEN" },
  FACTORY_ID: { meaning: "this instance's id; a lease is bound to it", default: "<pool>-<host>-<pid>-<random>" },
  SEATS: { meaning: "jobs run at once (1-64)" },
  MODE: { meaning: "one-shot: one job then exit (KEDA ScaledJob); serve: until idle or SIGTERM (ScaledObject)" },
  IDLE_TIMEOUT_SECONDS: { meaning: "serve mode: exit after this long without work" },
  ENGINE: { meaning: "sim (simulated work), command (runs ENGINE_COMMAND) or noop (ships at once: benchmarks)" },
  ENGINE_COMMAND: { meaning: "ENGINE=command: the CLI to run, e.g. `claude -p` or ./run-job.sh" },
  ENGINE_INPUT: { meaning: "ENGINE=command: stdin pipes the job body in; file writes JOB.md in the work directory" },
  WORK_DIR: { meaning: "where each job's work directory is created" },
  SIM_DURATION_MS: { meaning: "ENGINE=sim: how long a job takes" },
  SIM_FAILURE_RATE: { meaning: "ENGINE=sim: share of jobs that fail (0-1)" },
  SIM_CRASH_RATE: { meaning: "ENGINE=sim: share of jobs that crash the engine (0-1)" },
  SERVICEBUS_CONNECTION_STRING: {
    meaning: "Endpoint=sb://<host>[:port]/;SharedAccessKeyName=..;SharedAccessKey=.. (;UseDevelopmentEmulator=true for the local broker); this or SERVICEBUS_NAMESPACE is required",
  },
  SERVICEBUS_NAMESPACE: { meaning: "managed identity: the namespace's fully qualified host, e.g. fleet-dispatch.servicebus.windows.net" },
  SERVICEBUS_ENDPOINT_ADDRESS: { meaning: "reach the namespace through this address (a proxy), e.g. https://127.0.0.1:15671" },
  TOPIC: { meaning: "the topic assignments are published to" },
  SUBSCRIPTION: { meaning: "the pool's subscription", default: "POOL" },
  HEALTH_PORT: { meaning: "port of /healthz (0 picks a free one)" },
  HEARTBEAT_SECONDS: { meaning: "how often the agent tells the coordinator it is alive" },
  GRACE_SECONDS: { meaning: "on SIGTERM: time to checkpoint and release leases before exiting" },
  DEFAULT_WALL_SECONDS: { meaning: "wall-clock budget of a job that has none" },
  GIT_BASE_URL: { meaning: "ENGINE=command, PR mode: where a job's repo owner/name is cloned from (a host such as https://github.com, or a folder of bare repositories)" },
  ARTIFACTS_CONNECTION_STRING: { meaning: "Blob Storage for each attempt's log (streamed while it runs) and files (at release): a connection string (npm start gives Azurite's)" },
  ARTIFACTS_ACCOUNT_URL: { meaning: "instead: https://<account>.blob.core.windows.net, reached with managed identity (AZURE_CLIENT_ID)" },
  ARTIFACTS_CONTAINER: { meaning: "the container; blob names start with the product (<product>/<job>/<epoch>/...)" },
  LOG_FLUSH_SECONDS: { meaning: "how often an attempt's log is appended to its blob while it runs" },
  LOG_LEVEL: { meaning: "fatal, error, warn, info, debug, trace or silent" },
};

/** The default a variable takes when unset, as the schema applies it. */
function defaultOf(name: Variable): string {
  const described = VARIABLES[name].default;
  if (described !== undefined) return described;
  const parsed = AgentEnv.shape[name].safeParse(undefined);
  if (!parsed.success) return "(required)";
  return parsed.data === undefined ? "-" : String(parsed.data);
}

/** `npm run agent -- --help`. */
export function agentHelp(): string {
  const names = Object.keys(VARIABLES) as Variable[];
  const nameWidth = Math.max(...names.map((n) => n.length));
  const defaultWidth = Math.max(...names.map((n) => defaultOf(n).length));
  const rows = names.map((n) => `  ${n.padEnd(nameWidth)}  ${defaultOf(n).padEnd(defaultWidth)}  ${VARIABLES[n].meaning}`);
  return [
    "Usage: npm run agent [-- --help]   (the factory-agent container image runs the same entry point)",
    "",
    "One factory agent: receives its pool's assignments from Service Bus, accepts each lease from the",
    "coordinator, runs the engine, reports, and exits when idle (serve) or after one job (one-shot).",
    "",
    "Options:",
    "  -h, --help  print this help and exit; everything else is set by environment variables",
    "",
    "Environment variables (name, default, meaning):",
    ...rows,
    "",
    "Exit codes: 0 done (idle, one-shot finished, drained); 1 crash; 2 bad configuration (each bad",
    "variable named; also a FACTORY_TOKEN the coordinator refuses or a POOL that is not the token's).",
    "",
  ].join("\n");
}
