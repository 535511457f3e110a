import { randomBytes } from "node:crypto";
import { type EntryPointSpec, UsageError, parseEntryArgs, runEntryPoint, wholeNumber } from "../composition/entry-point.js";
import { chooseDataDir } from "../composition/data-dir.js";
import { readTopology } from "../composition/topology-source.js";
import { ensureConsoleBuilt } from "../console/build/console-build.js";
import { demoJobs } from "./demo-workload.js";
import { startSupervisedStack } from "./supervised-stack.js";
import { watchDemo } from "./watch-demo.js";

const SPEC = {
  usage: "npm start -- [--demo] [--jobs N] [--port P] [--scaler-port P] [--host H] [--data-dir DIR] [--fresh] [--in-memory]",
  summary:
    "The whole stack on this machine, each part its own supervised process: the Cosmos DB peer (journalled to the data directory), the Service Bus broker, the coordinator (API, console, scheduler, dispatcher, external scaler), and the autoscaler starting factory agents. A process that dies is restarted. State and development tokens live in the data directory and survive restarts. With STORE=cosmos or SERVICEBUS_NAMESPACE set, runs the coordinator against Azure instead (see npm run coordinator -- --help).",
  options: {
    demo: { type: "boolean" },
    jobs: { type: "string" },
    port: { type: "string" },
    "scaler-port": { type: "string" },
    host: { type: "string" },
    "data-dir": { type: "string" },
    fresh: { type: "boolean" },
    "in-memory": { type: "boolean" },
  },
  optionHelp: [
    ["--demo", "also submit a demo workload and show progress until it shipped and every pool is back to zero"],
    ["--jobs N", "demo jobs to submit (1 to 100000; default 300)"],
    ["--port P", "API port (default 8080 or $PORT; 0 picks a free port)"],
    ["--scaler-port P", "KEDA external scaler gRPC port (default 9090 or $SCALER_PORT; 0 picks a free port)"],
    ["--host H", "address to listen on (default 127.0.0.1)"],
    ["--data-dir DIR", "where state and tokens live (default .fleet, or $FLEET_DATA_DIR)"],
    ["--fresh", "wipe the data directory first (jobs, dead letters, tokens)"],
    ["--in-memory", "keep nothing on disk: every restart starts empty, with new tokens"],
  ],
  environment: [
    ["PORT, SCALER_PORT", "8080, 9090", "as --port and --scaler-port"],
    ["FLEET_DATA_DIR", ".fleet", "as --data-dir"],
    ["TOPOLOGY_FILE", "topology/fleet.yaml", "the pools"],
    ["SIM_DURATION_MS", "1500", "how long a simulated job runs"],
    ["IDLE_TIMEOUT_SECONDS", "10", "how long a warm agent waits for work before it exits"],
    ["LOG_LEVEL", "warn", "log level of the stack's processes (their logs go to <data dir>/logs)"],
  ],
  notes: ["Ctrl-C stops everything and leaves no process behind."],
} satisfies EntryPointSpec<Record<string, { type: "string" | "boolean" }>>;

/** `npm start`: the whole stack on this machine. */
async function main(): Promise<number | undefined> {
  const args = parseEntryArgs(SPEC, process.argv.slice(2));
  if (args === undefined) return 0;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
  if (process.env.STORE === "cosmos" || process.env.SERVICEBUS_NAMESPACE !== undefined) {
    // Configured for Azure: the coordinator with its dispatcher against the real resources; KEDA
    // (not a local autoscaler) runs the factories.
    process.argv.splice(2);
    await import("../composition/coordinator-main.js");
    return undefined;
  }
  const demo = args.flag("demo");
  const jobs = wholeNumber("--jobs", args.text("jobs"), 300, 1, 100_000);
  const port = wholeNumber("--port", args.text("port") ?? process.env.PORT, 8080, 0, 65_535);
  const scalerPort = wholeNumber("--scaler-port", args.text("scaler-port") ?? process.env.SCALER_PORT, 9090, 0, 65_535);
  const host = args.text("host") ?? "127.0.0.1";
  const data = chooseDataDir({ flag: args.text("data-dir"), env: process.env.FLEET_DATA_DIR, fresh: args.flag("fresh"), inMemory: args.flag("in-memory") });
  const topology = readTopology(process.env.TOPOLOGY_FILE);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  await ensureConsoleBuilt((line) => process.stdout.write(line));
  say(`starting Fleet Dispatch (${data.dir === undefined ? "in memory: nothing survives a restart" : `state in ${data.dir}${data.wiped ? ", wiped" : ""}`})...`);
  const stack = await startSupervisedStack({
    topology,
    topologyFile: process.env.TOPOLOGY_FILE,
    dataDir: data.dir,
    host,
    apiPort: port,
    scalerPort,
    logLevel: process.env.LOG_LEVEL ?? "warn",
    agentEnv: {
      ENGINE: "sim",
      SIM_DURATION_MS: process.env.SIM_DURATION_MS ?? "1500",
      IDLE_TIMEOUT_SECONDS: process.env.IDLE_TIMEOUT_SECONDS ?? "10",
      HEARTBEAT_SECONDS: "10",
    },
    onEvent: (event) => {
      if (event.kind === "started") {
        if (event.restarts > 0) say(`\n${event.name} is back (pid ${event.pid}) after ${event.restarts} restart(s)`);
      } else if (event.kind === "exited") {
        say(`\n${event.name} exited (${event.signal ?? `code ${event.code}`}); restarting it in ${event.restartInMs} ms`);
      } else {
        say(`\n${event.name} did not come back: ${event.reason}; trying again`);
      }
    },
  }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (/EADDRINUSE|address already in use|No address added out of total/i.test(message)) {
      throw new UsageError(`${message.split("\n")[0]}: another process holds a port; pick others with --port and --scaler-port (0 picks free ones)`);
    }
    throw error;
  });
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      say("\nstopping: draining agents, then the coordinator, the broker and the store...");
      await stack.stop();
      say("stopped; no process left behind.");
    })();
    return stopping;
  };
  process.on("SIGINT", () => void shutdown().then(() => process.exit(130)));
  process.on("SIGTERM", () => void shutdown().then(() => process.exit(143)));
  say(
    [
      `Fleet Dispatch is running on ${stack.url}`,
      `  console:         ${stack.url}/ui/ (sign in with an operator token below)`,
      `  API docs:        ${stack.url}/docs`,
      `  metrics:         ${stack.url}/metrics`,
      `  pools:           ${stack.url}/fleet/pools`,
      `  dead letters:    ${stack.url}/fleet/dlq`,
      `  external scaler: ${stack.scalerAddress} (KEDA externalscaler.proto)`,
      `  Service Bus:     ${stack.connectionString}`,
      `  Blob Storage:    Azurite at ${stack.blobUrl} (attempts' logs and files)`,
      `  state:           ${stack.dataDir ?? "in memory (gone at stop)"}; logs in ${stack.logDir}`,
      `  operator token (product demo): ${stack.tokens.operatorToken}`,
      `  operator token (fleet-wide):   ${stack.tokens.fleetOperatorToken}`,
      `  try: curl -H "Authorization: Bearer ${stack.tokens.operatorToken}" ${stack.url}/fleet/pools`,
      "Ctrl-C stops everything.",
    ].join("\n"),
  );
  if (!demo) return undefined;
  const runId = randomBytes(3).toString("hex");
  const bodies = demoJobs(jobs, runId);
  say(`submitting ${jobs} demo jobs across ${topology.pools.length} pools...`);
  const ids: string[] = [];
  for (const body of bodies) {
    const response = await fetch(`${stack.url}/fleet/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.tokens.operatorToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { job: { id: string } }).job.id);
  }
  const result = await watchDemo({ url: stack.url, token: stack.tokens.operatorToken }, ids, topology, (line) => process.stdout.write(line));
  await shutdown();
  return result.ok ? 0 : 1;
}

runEntryPoint("npm start", main);
