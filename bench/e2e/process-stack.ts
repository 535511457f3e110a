import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ManagedChild } from "../../chaos/live/managed-child.js";
import { EMULATOR_KEY } from "../../peers/cosmos/embedded-cosmos.js";
import { freePort } from "../../stack/free-port.js";
import { type BenchStackFiles, E2E_POOL, E2E_TOPIC, writeBenchStackFiles } from "./bench-stack-files.js";
import { assertNodeRunning } from "./process-cpu.js";

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const ENTRIES = {
  store: entry("../../peers/cosmos/cli.ts"),
  broker: entry("../../peers/service-bus/cli.ts"),
  coordinator: entry("../../composition/coordinator-main.ts"),
  agent: entry("../../factory-agent/main.ts"),
} as const;

export interface StackShape {
  agents: number;
  seats: number;
  /** Journal the Cosmos peer to its data directory (as `npm start` runs it); false: in memory. */
  journalled: boolean;
  /** Each process writes a V8 CPU profile here when it stops. */
  profileDir?: string;
}

export interface MeasuredProcess {
  name: string;
  pid: number;
}

/**
 * The whole local stack as separate processes, each node itself running its entry point (no npm
 * or launcher in between, so /proc holds the code's CPU): the Cosmos peer, the Service Bus broker,
 * the coordinator (Cosmos SDK to the peer, Service Bus SDK to the broker) and factory agents with
 * the no-op engine. No fault proxies: every connection is direct, on 127.0.0.1.
 */
export class BenchProcessStack {
  readonly dir = mkdtempSync(join(tmpdir(), "fleet-bench-e2e-"));
  private readonly logs = join(this.dir, "logs");
  store!: ManagedChild;
  broker!: ManagedChild;
  coordinator!: ManagedChild;
  agents: ManagedChild[] = [];
  files!: BenchStackFiles;
  url = "";
  brokerUrl = "";
  private connectionString = "";
  private agentSeq = 0;

  constructor(readonly shape: StackShape) {}

  private nodeArgs(): { nodeArgs?: string[] } {
    return this.shape.profileDir === undefined ? {} : { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", this.shape.profileDir] };
  }

  async start(): Promise<void> {
    mkdirSync(this.logs, { recursive: true });
    this.files = writeBenchStackFiles(this.dir, this.shape);
    this.store = new ManagedChild({
      ...this.nodeArgs(),
      name: "cosmos peer",
      entry: ENTRIES.store,
      args: () => ["--port", "0", ...(this.shape.journalled ? ["--data-dir", join(this.dir, "cosmos")] : ["--in-memory"])],
      ready: /^(http:\/\/\S+)$/,
      logFile: join(this.logs, "cosmos.log"),
    });
    const cosmosEndpoint = await this.store.start();
    this.broker = new ManagedChild({
      ...this.nodeArgs(),
      name: "broker",
      entry: ENTRIES.broker,
      args: () => ["--port", "0"],
      ready: /^(Endpoint=sb:\/\/\S+)$/,
      logFile: join(this.logs, "broker.log"),
    });
    this.connectionString = await this.broker.start();
    this.brokerUrl = `http://${/Endpoint=sb:\/\/([^;/]+)/.exec(this.connectionString)![1]}`;
    const port = await freePort();
    this.coordinator = new ManagedChild({
      ...this.nodeArgs(),
      name: "coordinator",
      entry: ENTRIES.coordinator,
      args: () => [],
      env: () => ({
        HOST: "127.0.0.1",
        PORT: String(port),
        SCALER_PORT: "0",
        STORE: "cosmos",
        COSMOS_ENDPOINT: cosmosEndpoint,
        COSMOS_KEY: EMULATOR_KEY,
        COSMOS_DATABASE: "bench",
        CREDENTIALS_FILE: this.files.credentialsFile,
        TOPOLOGY_FILE: this.files.topologyFile,
        SERVICEBUS_CONNECTION_STRING: this.connectionString,
        LOG_LEVEL: "warn",
      }),
      ready: /^Fleet Dispatch coordinator on (http:\/\/\S+)$/,
      readyTimeoutMs: 90_000,
      logFile: join(this.logs, "coordinator.log"),
    });
    this.url = await this.coordinator.start();
    await this.startAgents();
    for (const process of this.processes()) assertNodeRunning(process.pid, this.entryOf(process.name));
  }

  /** Starts the configured number of agents and waits until each answers its health check. */
  async startAgents(): Promise<void> {
    const started = [];
    for (let i = 0; i < this.shape.agents; i++) started.push(this.startAgent());
    await Promise.all(started);
  }

  private async startAgent(): Promise<void> {
    const index = ++this.agentSeq;
    const healthPort = await freePort();
    const child = new ManagedChild({
      ...this.nodeArgs(),
      name: `agent-${index}`,
      entry: ENTRIES.agent,
      args: () => [],
      env: () => ({
        COORDINATOR_URL: this.url,
        FACTORY_TOKEN: this.files.poolToken,
        FACTORY_ID: `bench-agent-${index}`,
        POOL: E2E_POOL,
        SEATS: String(this.shape.seats),
        MODE: "serve",
        ENGINE: "noop",
        IDLE_TIMEOUT_SECONDS: "86400",
        SERVICEBUS_CONNECTION_STRING: this.connectionString,
        TOPIC: E2E_TOPIC,
        HEALTH_PORT: String(healthPort),
        WORK_DIR: join(this.dir, "work"),
        LOG_LEVEL: "warn",
      }),
      // At LOG_LEVEL=warn an agent prints nothing when it starts: readiness is its health check.
      ready: /^\{.*"factory agent started"/,
      readyTimeoutMs: 90_000,
      logFile: join(this.logs, `agent-${index}.log`),
    });
    this.agents.push(child);
    const exited = child.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (!child.running() && child.exits.length > 0) throw new Error(`agent-${index} exited before it was ready:\n${child.output().slice(-2000)}`);
      const healthy = await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    void exited;
    throw new Error(`agent-${index} did not answer its health check within 90 s:\n${child.output().slice(-2000)}`);
  }

  /** Stops every agent (the pool scaled to zero). */
  async stopAgents(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.stop()));
    this.agents = [];
  }

  /** The processes whose CPU the benchmark reads (live agents only). */
  processes(): MeasuredProcess[] {
    const named = (name: string, child: ManagedChild): MeasuredProcess[] => (child.pid === undefined || !child.running() ? [] : [{ name, pid: child.pid }]);
    return [
      ...named("cosmos peer", this.store),
      ...named("broker", this.broker),
      ...named("coordinator", this.coordinator),
      ...this.agents.flatMap((agent, index) => named(`agent-${index + 1}`, agent)),
    ];
  }

  private entryOf(name: string): string {
    if (name === "cosmos peer") return ENTRIES.store;
    if (name === "broker") return ENTRIES.broker;
    if (name === "coordinator") return ENTRIES.coordinator;
    return ENTRIES.agent;
  }

  /** Stops every process (agents first, the store last) and removes the directory. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.agents.map((agent) => agent.stop()));
    for (const child of [this.coordinator, this.broker, this.store]) await child?.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
