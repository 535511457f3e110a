import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { subscriptionNameFor, systemClock } from "../contracts/index.js";
import { formatZodIssues } from "../contracts/validation-message.js";
import { createBroker } from "../broker/registry.js";
import { type EntryPointSpec, UsageError, parseEntryArgs, runEntryPoint } from "../composition/entry-point.js";
import { readTopology } from "../composition/topology-source.js";
import { LocalAutoscaler } from "../keda/local/local-autoscaler.js";
import { ProcessLauncher } from "../keda/local/process-launcher.js";
import { ExternalScalerClient } from "./external-scaler-client.js";

const Env = z.object({
  COORDINATOR_URL: z.string().url(),
  SCALER_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, "must be host:port"),
  SERVICEBUS_CONNECTION_STRING: z.string().min(1),
  TOKENS_FILE: z.string().min(1),
  TOPOLOGY_FILE: z.string().min(1).optional(),
  WORK_DIR: z.string().min(1).default(".fleet/work"),
});

const SPEC = {
  usage: "tsx stack/autoscaler-main.ts (started by npm start)",
  summary:
    "KEDA on one machine: polls each pool's trigger (the coordinator's external push scaler over gRPC for external-push pools, the subscription depth for azure-servicebus pools) and applies KEDA's formulas to factory-agent processes.",
  options: {},
  optionHelp: [],
  environment: [
    ["COORDINATOR_URL", "", "the coordinator's API, given to every agent"],
    ["SCALER_ADDRESS", "", "host:port of the coordinator's external scaler (gRPC)"],
    ["SERVICEBUS_CONNECTION_STRING", "", "the broker, for subscription depth and for the agents"],
    ["TOKENS_FILE", "", "JSON with the pool tokens (poolTokens) the agents authenticate with"],
    ["TOPOLOGY_FILE", "topology/fleet.yaml", "the pools"],
    ["WORK_DIR", ".fleet/work", "agents' working directory; their logs go to WORK_DIR/../logs/agents"],
  ],
} satisfies EntryPointSpec<Record<string, never>>;

async function main(): Promise<number | undefined> {
  if (parseEntryArgs(SPEC, process.argv.slice(2)) === undefined) return 0;
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) throw new UsageError(`invalid configuration: ${formatZodIssues(parsed.error.issues)}`);
  const env = parsed.data;
  const topology = readTopology(env.TOPOLOGY_FILE);
  const tokens = z.object({ poolTokens: z.record(z.string(), z.string()) }).parse(JSON.parse(readFileSync(env.TOKENS_FILE, "utf8")));
  const broker = createBroker({ kind: "service-bus", connectionString: env.SERVICEBUS_CONNECTION_STRING });
  const scaler = new ExternalScalerClient(env.SCALER_ADDRESS);
  const agentEnv: Record<string, string> = { WORK_DIR: join(env.WORK_DIR, "agents"), LOG_LEVEL: process.env.AGENT_LOG_LEVEL ?? "info" };
  for (const name of ["ENGINE", "SIM_DURATION_MS", "SIM_FAILURE_RATE", "IDLE_TIMEOUT_SECONDS", "HEARTBEAT_SECONDS", "ENGINE_COMMAND"]) {
    const value = process.env[name];
    if (value !== undefined) agentEnv[name] = value;
  }
  const autoscaler = new LocalAutoscaler({
    topology,
    clock: systemClock,
    launcher: new ProcessLauncher({
      coordinatorUrl: env.COORDINATOR_URL,
      serviceBusConnectionString: env.SERVICEBUS_CONNECTION_STRING,
      poolTokens: tokens.poolTokens,
      logDir: join(env.WORK_DIR, "..", "logs", "agents"),
      env: agentEnv,
    }),
    metric: async (pool) =>
      pool.trigger === "external-push" ? scaler.demand(pool.name) : (await broker.counts(topology.topic, subscriptionNameFor(pool.name))).active,
    onError: (pool, error) => process.stderr.write(`autoscaler: cannot read the trigger of pool ${pool}: ${error instanceof Error ? error.message : String(error)}\n`),
    onScale: (pool, change) => process.stdout.write(`scaled ${pool} ${change.from} -> ${change.to} (${change.reason})\n`),
  });
  autoscaler.start();
  process.stdout.write(`autoscaler ready: ${topology.pools.length} pools\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void autoscaler
      .stop()
      .then(() => broker.close())
      .finally(() => {
        scaler.close();
        process.exit(0);
      });
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  return undefined;
}

runEntryPoint("autoscaler", main);
