import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mintToken } from "../../coordinator/auth/tokens.js";
import { type LeaderLease, LEADER_LEASE_ID, LeaderLease as LeaderLeaseSchema } from "../../coordinator/leadership/leader-lease.js";
import { EMULATOR_KEY } from "../../peers/cosmos/embedded-cosmos.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { freePort } from "../../stack/free-port.js";
import { CHAOS_TOPOLOGY_FILE } from "./chaos-topology.js";
import { FaultProxy } from "./fault-proxy.js";
import type { LiveAgent } from "./live-stack.js";
import { FleetApi } from "./fleet-api.js";
import { Ingress } from "./ingress.js";
import { ManagedChild } from "./managed-child.js";
import { tearJournal } from "./torn-journal.js";

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const COSMOS_CLI = entry("../../peers/cosmos/cli.ts");
const BROKER_CLI = entry("../../peers/service-bus/cli.ts");
const COORDINATOR_MAIN = entry("../../composition/coordinator-main.ts");
const AGENT_MAIN = entry("../../factory-agent/main.ts");

export const CHAOS_PRODUCT = "chaos";

export interface ProcessLayout {
  /** Coordinator processes; more than one runs them as replicas with one elected leader. */
  coordinators: number;
  /** "process": the Cosmos peer is its own process (journalled), reached through a fault proxy;
   * "embedded": the coordinator journals its own embedded peer to its data directory. */
  store: "process" | "embedded";
  /** The leadership lease of the replicas (LEADER_LEASE_MS). */
  leaseMs?: number;
}

export interface CoordinatorReplicaHandle {
  index: number;
  child: ManagedChild;
  port: number;
  url: string;
  /** The replica id of each start (LEADER_ELECTION=on prints it), in order. */
  replicaIds: string[];
}

/**
 * Live chaos with every part in its own process, so a crash is a real SIGKILL: the Cosmos peer
 * (journalled to a data directory) behind a TCP fault proxy, the Service Bus broker (with its data
 * directory and a publish trace) behind another, one coordinator or several replicas of
 * `composition/coordinator-main.ts` (behind an ingress that balances over them), and factory agent
 * processes. The scenario kills and restarts processes itself; nothing restarts them behind its
 * back, except a replica that stepped down on its own (the platform would start a fresh one).
 */
export class ProcessStack {
  readonly dir = mkdtempSync(join(tmpdir(), "fleet-chaos-"));
  readonly agents: LiveAgent[] = [];
  readonly coordinators: CoordinatorReplicaHandle[] = [];
  store: ManagedChild | undefined;
  broker!: ManagedChild;
  storeProxy: FaultProxy | undefined;
  proxy!: FaultProxy;
  ingress: Ingress | undefined;
  api!: FleetApi;
  /** Replicas that exited without being told to (stepped down), and were started again. */
  readonly unexpectedExits: { index: number; code: number | null; signal: string | null; at: number }[] = [];
  readonly publishTrace = join(this.dir, "publishes.ndjson");
  private poolToken = "";
  private operatorToken = "";
  private connectionString = "";
  private storePort = 0;
  private brokerPort = 0;
  private agentSeq = 0;
  private stopping = false;
  private directStore: CosmosStore | undefined;
  private directStoreReady: Promise<void> | undefined;

  constructor(readonly layout: ProcessLayout) {
    if (layout.coordinators > 1 && layout.store !== "process") throw new Error("coordinator replicas share one store: use store 'process'");
  }

  /** The address agents and clients use: the ingress, or the one coordinator. */
  get url(): string {
    return this.ingress?.url ?? this.coordinators[0]!.url;
  }

  get storeDataDir(): string {
    return join(this.dir, "store");
  }

  async start(): Promise<void> {
    mkdirSync(join(this.dir, "logs"), { recursive: true });
    const operator = mintToken("op-chaos");
    const pool = mintToken("pool-general");
    this.operatorToken = operator.token;
    this.poolToken = pool.token;
    const credentialsFile = join(this.dir, "credentials.json");
    writeFileSync(
      credentialsFile,
      JSON.stringify({
        operators: [{ id: "op-chaos", productId: CHAOS_PRODUCT, role: "operator", secretSha256: operator.secretSha256, rateLimit: { perSecond: 5000, burst: 10_000 } }],
        factories: [{ id: "pool-general", productId: CHAOS_PRODUCT, pool: "general", secretSha256: pool.secretSha256 }],
      }),
      { mode: 0o600 },
    );
    const topologyFile = join(this.dir, "topology.json");
    writeFileSync(topologyFile, JSON.stringify(CHAOS_TOPOLOGY_FILE));

    if (this.layout.store === "process") {
      this.store = new ManagedChild({
        name: "store",
        entry: COSMOS_CLI,
        args: () => ["--port", String(this.storePort), "--data-dir", this.storeDataDir],
        ready: /^(http:\/\/\S+)$/,
        logFile: join(this.dir, "logs", "store.log"),
      });
      const endpoint = await this.store.start();
      this.storePort = Number(new URL(endpoint).port);
      this.storeProxy = new FaultProxy({ host: "127.0.0.1", port: this.storePort });
      await this.storeProxy.start();
      this.directStore = new CosmosStore({ endpoint, key: EMULATOR_KEY, database: "chaos", local: true, requestTimeoutMs: 3000 });
    }
    this.broker = new ManagedChild({
      name: "broker",
      entry: BROKER_CLI,
      args: () => ["--port", String(this.brokerPort), "--data-dir", join(this.dir, "broker"), "--trace", this.publishTrace],
      ready: /^(Endpoint=sb:\/\/\S+)$/,
      logFile: join(this.dir, "logs", "broker.log"),
    });
    const connectionString = await this.broker.start();
    this.brokerPort = Number(/Endpoint=sb:\/\/[^:;/]+:(\d+)/.exec(connectionString)![1]);
    this.proxy = new FaultProxy({ host: "127.0.0.1", port: this.brokerPort });
    await this.proxy.start();
    this.connectionString = connectionString.replace(`:${this.brokerPort};`, `:${this.proxy.port};`);

    for (let index = 0; index < this.layout.coordinators; index++) {
      const port = await freePort();
      const replicas = this.layout.coordinators > 1;
      const handle: CoordinatorReplicaHandle = {
        index,
        port,
        url: `http://127.0.0.1:${port}`,
        replicaIds: [],
        child: new ManagedChild({
          name: `coordinator-${index}`,
          entry: COORDINATOR_MAIN,
          args: () => (this.layout.store === "embedded" ? ["--data-dir", join(this.dir, `coordinator-${index}`)] : []),
          env: () => ({
            HOST: "127.0.0.1",
            PORT: String(port),
            SCALER_PORT: "0",
            CREDENTIALS_FILE: credentialsFile,
            TOPOLOGY_FILE: topologyFile,
            SERVICEBUS_CONNECTION_STRING: this.connectionString,
            LOG_LEVEL: "warn",
            TICK_MAX_IDLE_MS: "200",
            ...(this.layout.store === "process"
              ? { STORE: "cosmos", COSMOS_ENDPOINT: `http://127.0.0.1:${this.storeProxy!.port}`, COSMOS_KEY: EMULATOR_KEY, COSMOS_DATABASE: "chaos" }
              : { STORE: "embedded", COSMOS_DATABASE: "chaos" }),
            ...(replicas ? { LEADER_ELECTION: "on", LEADER_LEASE_MS: String(this.layout.leaseMs ?? 2000) } : {}),
          }),
          ready: /^Fleet Dispatch coordinator on (http:\/\/\S+)$/,
          readyTimeoutMs: 90_000,
          logFile: join(this.dir, "logs", `coordinator-${index}.log`),
        }),
      };
      handle.child.onExit((exit, expected) => {
        if (expected || this.stopping || !replicas) return;
        // A replica that stepped down (or died on its own) is started again, as the platform does.
        this.unexpectedExits.push({ index, code: exit.code, signal: exit.signal, at: exit.at });
        setTimeout(() => {
          if (!this.stopping && !handle.child.running()) void this.startCoordinator(index).catch(() => undefined);
        }, 500);
      });
      this.coordinators.push(handle);
    }
    for (const handle of this.coordinators) await this.startCoordinator(handle.index);
    if (this.layout.coordinators > 1) {
      this.ingress = new Ingress(() => this.coordinators.map((c) => c.url));
      await this.ingress.start();
    }
    this.api = new FleetApi(() => this.url, this.operatorToken);
  }

  /** The API at one coordinator's own address, bypassing the ingress. */
  apiAt(url: string): FleetApi {
    return new FleetApi(() => url, this.operatorToken);
  }

  async startCoordinator(index: number): Promise<void> {
    const handle = this.coordinators[index]!;
    await handle.child.start();
    const id = /leadership: replica (\S+),/.exec(handle.child.output().split("--- start").at(-1) ?? "")?.[1];
    if (id !== undefined) handle.replicaIds.push(id);
  }

  async killCoordinator(index: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.coordinators[index]!.child.kill(signal);
  }

  async killStore(): Promise<void> {
    await this.store?.kill("SIGKILL");
  }

  async startStore(): Promise<void> {
    await this.store?.start();
  }

  async killBroker(): Promise<void> {
    await this.broker.kill("SIGKILL");
  }

  async startBroker(): Promise<void> {
    await this.broker.start();
  }

  /** Cuts the store's journal mid-record, as a crash during a write would (the store must be down). */
  tearStoreJournal(): Promise<{ journal: string; bytes: number }> {
    if (this.store?.running() === true) throw new Error("tear the journal only while the store process is down");
    return tearJournal(this.storeDataDir);
  }

  /** The leadership lease as the store holds it (replicas only). */
  async leaderLease(): Promise<LeaderLease | undefined> {
    if (this.directStore === undefined) return undefined;
    this.directStoreReady ??= this.directStore.init().catch((error: unknown) => {
      this.directStoreReady = undefined;
      throw error;
    });
    await this.directStoreReady;
    const stored = await this.directStore.get("checkpoints", LEADER_LEASE_ID, LEADER_LEASE_ID);
    if (stored === undefined) return undefined;
    const parsed = LeaderLeaseSchema.safeParse(stored.doc.data);
    return parsed.success ? parsed.data : undefined;
  }

  /** Which coordinator process holds the lease now (by the replica id it printed at start). */
  async leaderIndex(): Promise<number | undefined> {
    const lease = await this.leaderLease().catch(() => undefined);
    if (lease === undefined) return undefined;
    return this.coordinators.find((c) => c.child.running() && c.replicaIds.at(-1) === lease.holder)?.index;
  }

  /** What the broker accepted on the topic, from its publish trace. */
  publishes(): { at: number; messageId: string; duplicate: boolean }[] {
    let text = "";
    try {
      text = readFileSync(this.publishTrace, "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { at: number; messageId: string; duplicate: boolean });
  }

  /** A factory agent process; `enrollmentToken` makes it enroll instead of using the pool token. */
  startAgent(env: Record<string, string> = {}, options: { enrollmentToken?: string } = {}): LiveAgent {
    const id = `chaos-agent-${++this.agentSeq}`;
    let output = "";
    const credential = options.enrollmentToken === undefined ? { FACTORY_TOKEN: this.poolToken } : { ENROLLMENT_TOKEN: options.enrollmentToken };
    const child = spawn(process.execPath, ["--import", "tsx", AGENT_MAIN], {
      env: {
        ...process.env,
        COORDINATOR_URL: this.url,
        ...credential,
        FACTORY_ID: id,
        POOL: "general",
        SERVICEBUS_CONNECTION_STRING: this.connectionString,
        TOPIC: CHAOS_TOPOLOGY_FILE.topic,
        MODE: "serve",
        IDLE_TIMEOUT_SECONDS: "600",
        SIM_DURATION_MS: "600",
        HEARTBEAT_SECONDS: "2",
        GRACE_SECONDS: "10",
        LOG_LEVEL: "warn",
        WORK_DIR: join(this.dir, "work"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const capture = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-50_000);
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    const agent: LiveAgent = { id, child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))), output: () => output };
    this.agents.push(agent);
    return agent;
  }

  liveAgents(): LiveAgent[] {
    return this.agents.filter((a) => a.child.exitCode === null && a.child.signalCode === null);
  }

  /** Makes sure every process of the stack runs again (after the faults). */
  async restoreAll(): Promise<void> {
    this.proxy.set({ kind: "pass" });
    this.storeProxy?.set({ kind: "pass" });
    if (this.store !== undefined && !this.store.running()) await this.store.start();
    if (!this.broker.running()) await this.broker.start();
    for (const handle of this.coordinators) {
      if (handle.child.running()) handle.child.child!.kill("SIGCONT");
      else await this.startCoordinator(handle.index).catch(() => undefined);
    }
  }

  async stop(keepDir = false): Promise<void> {
    this.stopping = true;
    for (const agent of this.liveAgents()) {
      agent.child.kill("SIGCONT");
      agent.child.kill("SIGKILL");
    }
    await Promise.all(this.agents.map((a) => a.exited));
    await this.ingress?.close();
    for (const handle of this.coordinators) await handle.child.stop();
    await this.directStore?.close();
    await this.proxy?.close();
    await this.storeProxy?.close();
    await this.broker?.stop();
    await this.store?.stop();
    if (!keepDir && process.env.FLEET_CHAOS_KEEP === undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}
