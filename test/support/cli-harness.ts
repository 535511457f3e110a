import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { CredentialRegistry, mintToken } from "../../coordinator/auth/credentials.js";
import { buildCoordinatorProcess, type CoordinatorProcess, type CoordinatorProcessOptions } from "../../composition/coordinator-process.js";
import type { JobDoc } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { testTopology } from "./topology-fixture.js";

const FLEET = fileURLToPath(new URL("../../cli/bin/fleet.mjs", import.meta.url));

export interface FleetRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  url: string;
  process: CoordinatorProcess;
  tokens: { operator: string; fleetOperator: string; factory: string };
  /** Runs the real `fleet` command (cli/bin/fleet.mjs) as a child process against this coordinator. */
  fleet(args: readonly string[], options?: { env?: Record<string, string>; stdin?: string; timeoutMs?: number }): Promise<FleetRun>;
  /** Accepts and ships every job assigned right now, as a factory of the general pool would. */
  shipAssigned(): Promise<number>;
  close(): Promise<void>;
}

/** A real coordinator (memory store, its loop running, HTTP on an ephemeral port) for CLI tests. */
export async function startCliHarness(options: { artifacts?: CoordinatorProcessOptions["artifacts"] } = {}): Promise<CliHarness> {
  const operator = mintToken("op-acme");
  const fleetOperator = mintToken("op-fleet");
  const factory = mintToken("pool-general");
  const credentials = new CredentialRegistry({
    operators: [
      { id: "op-acme", productId: "acme", secretSha256: operator.secretSha256, revoked: false },
      { id: "op-fleet", productId: "*", secretSha256: fleetOperator.secretSha256, revoked: false },
    ],
    factories: [{ id: "pool-general", productId: "acme", pool: "general", secretSha256: factory.secretSha256, revoked: false }],
  });
  const process = await buildCoordinatorProcess({
    store: new MemoryStore(),
    topology: testTopology({ generalMax: 50 }),
    credentials,
    logger: pino({ level: "silent" }),
    loop: { maxIdleMs: 50 },
    http: { rateLimit: { perSecond: 5000, burst: 5000 } },
    processMetrics: false,
    ...(options.artifacts === undefined ? {} : { artifacts: options.artifacts }),
  });
  const url = await process.listen("127.0.0.1", 0);
  const children = new Set<ReturnType<typeof spawn>>();
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "x-factory-id": "f-cli", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json() as Promise<Record<string, unknown>>;
  };
  return {
    url,
    process,
    tokens: { operator: operator.token, fleetOperator: fleetOperator.token, factory: factory.token },
    fleet(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(globalThis.process.execPath, [FLEET, ...args], {
          env: {
            PATH: globalThis.process.env.PATH ?? "",
            HOME: globalThis.process.env.HOME ?? "/tmp",
            FLEET_URL: url,
            FLEET_TOKEN: operator.token,
            FLEET_CONFIG: "/nonexistent/fleet-config.json",
            ...options.env,
          },
          stdio: ["pipe", "pipe", "pipe"],
        });
        children.add(child);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`fleet ${args.join(" ")} did not finish in ${options.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, options.timeoutMs ?? 20_000);
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          children.delete(child);
          resolve({ code, stdout, stderr });
        });
        child.stdin.end(options.stdin ?? "");
      });
    },
    async shipAssigned() {
      const list = (await call("GET", "/fleet/jobs?stage=assigned&limit=500", fleetOperator.token)) as { items: { id: string; leaseEpoch: number }[] };
      for (const job of list.items) {
        const accepted = (await call("POST", `/fleet/jobs/${job.id}/lease/accept`, factory.token, { leaseEpoch: job.leaseEpoch })) as Partial<JobDoc>;
        if (accepted.stage !== "building") continue;
        await call("POST", `/fleet/jobs/${job.id}/lease/release`, factory.token, { leaseEpoch: job.leaseEpoch, outcome: "shipped" });
      }
      return list.items.length;
    },
    async close() {
      for (const child of children) child.kill("SIGKILL");
      await process.close();
    },
  };
}
