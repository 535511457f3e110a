import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type Clock, systemClock, type Topology } from "../contracts/index.js";
import type { CredentialRegistry } from "./auth/credentials.js";
import { buildServer } from "./api/build-server.js";
import { FleetMetrics } from "./api/fleet-metrics.js";
import { Coordinator, type CoordinatorOptions } from "./service/coordinator.js";
import { CoordinatorLoop } from "./service/coordinator-loop.js";
import type { StorePort } from "../store/port.js";
import type { ApiContext } from "./api/context.js";
import { RateLimiter } from "./api/rate-limiter.js";

export interface CoordinatorAppOptions {
  store: StorePort;
  topology: Topology;
  credentials: CredentialRegistry;
  logger: Logger;
  clock?: Clock;
  /** Run the background loop (scheduler + reaper). Tests that drive tick() by hand turn it off. */
  loop?: boolean;
  loopMaxIdleMs?: number;
  httpLogger?: boolean;
  coordinatorOptions?: Partial<CoordinatorOptions>;
  poolExtras?: ApiContext["poolExtras"];
  /** Requests per second (and burst) per caller; beyond it, 429. */
  rateLimit?: { perSecond: number; burst: number };
}

export interface CoordinatorApp {
  coordinator: Coordinator;
  server: FastifyInstance;
  metrics: FleetMetrics;
  loop: CoordinatorLoop;
  /** Start the HTTP listener; returns the base URL. */
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

/** Wires store, coordinator, loop and HTTP API. The one composition root for the coordinator. */
export async function createCoordinatorApp(options: CoordinatorAppOptions): Promise<CoordinatorApp> {
  await options.store.init();
  const coordinator = new Coordinator({ store: options.store, clock: options.clock ?? systemClock, topology: options.topology, ...options.coordinatorOptions });
  let ready = false;
  const restored = await coordinator.start();
  ready = true;
  options.logger.info({ activeJobs: restored }, "indexes rebuilt from the store");
  const loop = new CoordinatorLoop(coordinator, { maxIdleMs: options.loopMaxIdleMs ?? 1000, logger: options.logger });
  const metrics = new FleetMetrics(coordinator, options.store);
  const server = await buildServer(
    {
      coordinator,
      credentials: options.credentials,
      store: options.store,
      metrics,
      ready: () => ready,
      kick: () => loop.kick(),
      limiter: new RateLimiter(options.rateLimit ?? { perSecond: 200, burst: 400 }),
      ...(options.poolExtras === undefined ? {} : { poolExtras: options.poolExtras }),
    },
    { logger: options.httpLogger === true ? options.logger : false },
  );
  if (options.loop !== false) loop.start();
  return {
    coordinator,
    server,
    metrics,
    loop,
    async listen(host, port) {
      const address = await server.listen({ host, port });
      return address.replace("[::1]", "127.0.0.1");
    },
    async close() {
      ready = false;
      await loop.stop();
      await server.close();
    },
  };
}
