import pino from "pino";
import type { JobDoc } from "../../contracts/index.js";
import { CredentialRegistry, mintToken } from "../../coordinator/auth/credentials.js";
import type { StreamLimits } from "../../coordinator/api/stream-registry.js";
import { buildCoordinatorProcess, type CoordinatorProcess } from "../../composition/coordinator-process.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import type { StorePort } from "../../store/port.js";
import { ManualClock } from "./manual-clock.js";
import { testTopology } from "./topology-fixture.js";

export interface StreamHarness {
  app: CoordinatorProcess;
  url: string;
  clock: ManualClock;
  store: StorePort;
  tokens: { acme: string; globex: string; fleet: string };
  /** Submits a job for acme (or globex) through the API. */
  submit(key: string, as?: "acme" | "globex", extra?: Record<string, unknown>): Promise<JobDoc>;
  /** Assigns, accepts and ships the job as factory f-1 of pool general. */
  ship(id: string): Promise<void>;
  call(method: "GET" | "POST", url: string, as?: "acme" | "globex" | "fleet", body?: unknown): Promise<{ status: number; json: () => unknown; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A coordinator on the memory store, listening on 127.0.0.1 port 0 (real HTTP for the streams),
 * with its loop off (tests drive tick()) and stream limits a test may shrink. */
export async function startStreamHarness(options: { streams?: Partial<StreamLimits>; poolHistoryMs?: number; store?: StorePort } = {}): Promise<StreamHarness> {
  const acme = mintToken("op-acme");
  const globex = mintToken("op-globex");
  const fleet = mintToken("op-fleet");
  // Pool tokens serve one product each.
  const pools = { acme: mintToken("pool-general-acme"), globex: mintToken("pool-general-globex") };
  const credentials = new CredentialRegistry({
    operators: [
      { id: "op-acme", productId: "acme", secretSha256: acme.secretSha256, revoked: false },
      { id: "op-globex", productId: "globex", secretSha256: globex.secretSha256, revoked: false },
      { id: "op-fleet", productId: "*", secretSha256: fleet.secretSha256, revoked: false },
    ],
    factories: [
      { id: "pool-general-acme", productId: "acme", pool: "general", secretSha256: pools.acme.secretSha256, revoked: false },
      { id: "pool-general-globex", productId: "globex", pool: "general", secretSha256: pools.globex.secretSha256, revoked: false },
    ],
  });
  const clock = new ManualClock(Date.now());
  const store = options.store ?? new MemoryStore();
  const app = await buildCoordinatorProcess({
    store,
    topology: testTopology(),
    credentials,
    clock,
    logger: pino({ level: "silent" }),
    loop: false,
    processMetrics: false,
    consoleDir: false,
    ...(options.streams === undefined ? {} : { streams: options.streams }),
    poolHistory: { intervalMs: options.poolHistoryMs ?? 60_000 },
  });
  const url = await app.listen("127.0.0.1", 0);
  const tokens = { acme: acme.token, globex: globex.token, fleet: fleet.token };
  const call: StreamHarness["call"] = async (method, path, as = "acme", body) => {
    const response = await app.server!.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${tokens[as]}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, json: () => response.json(), headers: response.headers };
  };
  const factory = (productId: string, path: string, body: unknown) =>
    app.server!.inject({
      method: "POST",
      url: path,
      headers: { authorization: `Bearer ${productId === "globex" ? pools.globex.token : pools.acme.token}`, "x-factory-id": `f-${productId}`, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  return {
    app,
    url,
    clock,
    store,
    tokens,
    call,
    async submit(key, as = "acme", extra = {}) {
      const response = await call("POST", "/fleet/jobs", as, { idempotencyKey: key, title: `job ${key}`, bodyMd: `# ${key}`, capabilities: ["lang:ts"], ...extra });
      if (response.status >= 300) throw new Error(`submit failed: ${response.status} ${JSON.stringify(response.json())}`);
      return (response.json() as { job: JobDoc }).job;
    },
    async ship(id) {
      await app.coordinator.tick();
      const job = await app.coordinator.getJob(undefined, id);
      if (job.stage !== "assigned") throw new Error(`job ${id} is ${job.stage}, not assigned`);
      const accepted = await factory(job.productId, `/fleet/jobs/${id}/lease/accept`, { leaseEpoch: job.leaseEpoch });
      if (accepted.statusCode !== 200) throw new Error(`accept failed: ${accepted.body}`);
      const released = await factory(job.productId, `/fleet/jobs/${id}/lease/release`, { leaseEpoch: job.leaseEpoch, outcome: "shipped" });
      if (released.statusCode !== 200) throw new Error(`release failed: ${released.body}`);
    },
    close: () => app.close(),
  };
}
