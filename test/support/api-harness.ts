import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { RequestLogLevel } from "../../coordinator/api/build-server.js";
import pino from "pino";
import type { Topology } from "../../contracts/index.js";
import { CredentialRegistry, type CredentialsFileInput, mintToken } from "../../coordinator/auth/credentials.js";
import { buildCoordinatorProcess, type CoordinatorProcess, type CoordinatorProcessOptions } from "../../composition/coordinator-process.js";
import type { StorePort } from "../../store/port.js";
import { ManualClock } from "./manual-clock.js";
import { testTopology } from "./topology-fixture.js";

export interface ApiHarness {
  app: CoordinatorProcess;
  server: FastifyInstance;
  clock: ManualClock;
  store: StorePort;
  tokens: { operator: string; otherOperator: string; fleetOperator: string; general: string; generalGlobex: string; gpu: string; gpuGlobex: string; revoked: string };
  /** Authenticated JSON call. `as` picks the token (or `token` gives one, or `token: null` none);
   * factory calls add X-Factory-Id; `from` is the caller's address. */
  call(
    method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
    url: string,
    options?: {
      body?: unknown;
      as?: keyof ApiHarness["tokens"];
      token?: string | null;
      factoryId?: string;
      rawBody?: string;
      headers?: Record<string, string>;
      from?: string;
    },
  ): Promise<LightMyRequestResponse>;
  /** Runs one coordinator pass (scheduler + reaper) at the clock's now. */
  tick(): Promise<{ assigned: number; reaped: number }>;
  close(): Promise<void>;
}

/** A coordinator with its loop off (tests drive tick()), on the given store, with fresh tokens. */
export async function startApiHarness(
  store: StorePort,
  topology: Topology = testTopology(),
  options: {
    rateLimit?: { perSecond: number; burst: number };
    logger?: pino.Logger;
    /** With `logger`: how verbose per-request logs may be (the coordinator's default: warn). */
    requestLogLevel?: RequestLogLevel;
    clock?: ManualClock;
    credentials?: CredentialsFileInput;
    reportsDir?: string;
    artifacts?: CoordinatorProcessOptions["artifacts"];
  } = {},
): Promise<ApiHarness> {
  const op = mintToken("op-acme");
  const other = mintToken("op-globex");
  const fleet = mintToken("op-fleet");
  const general = mintToken("pool-general");
  // Pool tokens serve one product: globex's factories of the general pool have their own.
  const generalGlobex = mintToken("pool-general-globex");
  const gpu = mintToken("pool-gpu");
  const gpuGlobex = mintToken("pool-gpu-globex");
  const revoked = mintToken("pool-revoked");
  const credentials = new CredentialRegistry({
    factories: [
      { id: "pool-general", productId: "acme", pool: "general", secretSha256: general.secretSha256, revoked: false },
      { id: "pool-general-globex", productId: "globex", pool: "general", secretSha256: generalGlobex.secretSha256, revoked: false },
      { id: "pool-gpu", productId: "acme", pool: "gpu", secretSha256: gpu.secretSha256, revoked: false },
      { id: "pool-gpu-globex", productId: "globex", pool: "gpu", secretSha256: gpuGlobex.secretSha256, revoked: false },
      { id: "pool-revoked", productId: "acme", pool: "general", secretSha256: revoked.secretSha256, revoked: true },
      ...(options.credentials?.factories ?? []),
    ],
    operators: [
      { id: "op-acme", productId: "acme", secretSha256: op.secretSha256, revoked: false },
      { id: "op-globex", productId: "globex", secretSha256: other.secretSha256, revoked: false },
      { id: "op-fleet", productId: "*", secretSha256: fleet.secretSha256, revoked: false },
      ...(options.credentials?.operators ?? []),
    ],
    ...(options.credentials?.rateLimits === undefined ? {} : { rateLimits: options.credentials.rateLimits }),
  });
  // Pass the previous harness's clock to restart a coordinator on the same store at the same time.
  const clock = options.clock ?? new ManualClock();
  const app = await buildCoordinatorProcess({
    store,
    topology,
    credentials,
    clock,
    logger: options.logger ?? pino({ level: "silent" }),
    loop: false,
    http: {
      logRequests: options.logger !== undefined,
      ...(options.requestLogLevel === undefined ? {} : { requestLogLevel: options.requestLogLevel }),
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    },
    processMetrics: false,
    ...(options.reportsDir === undefined ? {} : { reportsDir: options.reportsDir }),
    ...(options.artifacts === undefined ? {} : { artifacts: options.artifacts }),
  });
  const tokens = { operator: op.token, otherOperator: other.token, fleetOperator: fleet.token, general: general.token, generalGlobex: generalGlobex.token, gpu: gpu.token, gpuGlobex: gpuGlobex.token, revoked: revoked.token };
  return {
    app,
    server: app.server!,
    clock,
    store,
    tokens,
    async call(method, url, options = {}) {
      const token = options.token === undefined ? tokens[options.as ?? "operator"] : options.token;
      const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers };
      if (options.factoryId !== undefined) headers["x-factory-id"] = options.factoryId;
      const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      if (payload !== undefined) headers["content-type"] = "application/json";
      return app.server!.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }), ...(options.from === undefined ? {} : { remoteAddress: options.from }) });
    },
    tick: () => app.coordinator.tick(),
    close: () => app.close(),
  };
}
