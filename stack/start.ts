import { randomBytes } from "node:crypto";
import pino from "pino";
import { loadTopology } from "../contracts/topology-file.js";
import { demoJobs } from "./demo-workload.js";
import { startLocalStack } from "./local-stack.js";
import { watchDemo } from "./watch-demo.js";

/**
 * `npm start [-- --demo] [-- --jobs N] [-- --port P]`: the whole stack on this machine.
 * Ctrl-C stops everything and leaves no process behind.
 */
async function main(): Promise<number> {
  if (process.env.STORE === "cosmos" || process.env.SERVICEBUS_NAMESPACE !== undefined) {
    // Configured for Azure: run the coordinator with its dispatcher against the real resources;
    // KEDA (not a local autoscaler) runs the factories.
    await import("../coordinator/main.js");
    return new Promise<number>(() => undefined);
  }
  const args = process.argv.slice(2);
  const demo = args.includes("--demo");
  const jobs = Number(flagValue(args, "--jobs") ?? 300);
  const port = Number(flagValue(args, "--port") ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 100_000) throw new Error("--jobs must be a whole number from 1 to 100000");
  const topology = loadTopology(process.env.TOPOLOGY_FILE);
  const logger = pino({ level: process.env.LOG_LEVEL ?? "warn" });
  process.stdout.write("starting the local stack (Cosmos DB peer, Service Bus broker, coordinator, dispatcher, autoscaler)...\n");
  const stack = await startLocalStack({
    topology,
    logger,
    apiPort: port,
    agentEnv: {
      ENGINE: "sim",
      SIM_DURATION_MS: process.env.SIM_DURATION_MS ?? "1500",
      IDLE_TIMEOUT_SECONDS: process.env.IDLE_TIMEOUT_SECONDS ?? "10",
      HEARTBEAT_SECONDS: "10",
    },
  });
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      process.stdout.write("\nstopping: draining agents, then the coordinator, broker and store...\n");
      await stack.stop();
      process.stdout.write("stopped; no process left behind.\n");
    })();
    return stopping;
  };
  process.on("SIGINT", () => void shutdown().then(() => process.exit(130)));
  process.on("SIGTERM", () => void shutdown().then(() => process.exit(143)));
  process.stdout.write(
    [
      `Fleet Dispatch is running on ${stack.url}`,
      `  API docs:        ${stack.url}/docs`,
      `  metrics:         ${stack.url}/metrics`,
      `  pools:           ${stack.url}/fleet/pools`,
      `  dead letters:    ${stack.url}/fleet/dlq`,
      `  external scaler: ${stack.scalerAddress} (KEDA externalscaler.proto)`,
      `  Service Bus:     ${stack.connectionString}`,
      `  operator token (product demo): ${stack.operatorToken}`,
      `  operator token (fleet-wide):   ${stack.fleetOperatorToken}`,
      `  try: curl -H "Authorization: Bearer ${stack.operatorToken}" ${stack.url}/fleet/pools`,
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
  if (!demo) {
    await new Promise(() => undefined);
    return 0;
  }
  const runId = randomBytes(3).toString("hex");
  const bodies = demoJobs(jobs, runId);
  process.stdout.write(`submitting ${jobs} demo jobs across ${topology.pools.length} pools...\n`);
  const ids: string[] = [];
  for (const body of bodies) {
    const response = await fetch(`${stack.url}/fleet/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.operatorToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { job: { id: string } }).job.id);
  }
  const result = await watchDemo(stack, ids, topology, (line) => process.stdout.write(line));
  await shutdown();
  return result.ok ? 0 : 1;
}

function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
