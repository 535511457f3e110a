import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type Clock, type FactoryHealth, type RateLimit, type RateLimitDefaults, systemClock, subscriptionNameFor, type Topology } from "../contracts/index.js";
import type { BrokerPort } from "../broker/port.js";
import type { StorePort } from "../store/port.js";
import type { CredentialRegistry } from "../coordinator/auth/credentials.js";
import { buildServer } from "../coordinator/api/build-server.js";
import type { ApiContext, Readiness } from "../coordinator/api/context.js";
import { RateLimiter } from "../coordinator/api/rate-limiter.js";
import { RateLimitPolicy } from "../coordinator/auth/rate-limit-policy.js";
import { Coordinator, type CoordinatorOptions } from "../coordinator/service/coordinator.js";
import { CoordinatorLoop } from "../coordinator/service/coordinator-loop.js";
import { CredentialBook } from "../coordinator/service/credential-book.js";
import { CredentialSync } from "../coordinator/service/credential-sync.js";
import { CredentialWriter } from "../coordinator/service/credential-writer.js";
import { DeadLetterView } from "../coordinator/service/dead-letter-view.js";
import { FactoryEnrollment } from "../coordinator/service/factory-enrollment.js";
import { FactoryRegistry, type PoolFactoryHealth } from "../coordinator/service/factory-registry.js";
import { type Dispatcher, startDispatcher } from "../dispatcher/dispatcher-service.js";
import type { OutboxRelayOptions } from "../dispatcher/outbox-relay.js";
import { type ExternalScalerServer, startExternalScaler } from "../keda/external-scaler/external-scaler-server.js";
import { coordinatorDemandSource } from "./demand-source.js";
import { registerCoordinatorMetrics } from "./metrics/coordinator-metrics.js";
import { outboxLagHistogram, registerDispatcherMetrics } from "./metrics/dispatcher-metrics.js";
import { registerJobFlowMetrics } from "./metrics/job-flow-metrics.js";
import { MetricsHub } from "./metrics/metrics-hub.js";
import { registerScaleMetrics } from "./metrics/scale-metrics.js";
import { registerStoreMetrics } from "./metrics/store-metrics.js";
import { heartbeatReplicaSource, type ReplicaSource } from "./replica-source.js";

/** A factory silent for three heartbeats (15 s each by default) no longer counts as a replica.
 * Three, not one: the earlier system marked factories stale after 90 s while they beat every
 * 300 s, and every factory flapped (a test pins staleAfter > 2 x the agent's heartbeat). */
export const FACTORY_STALE_AFTER_MS = 45_000;

/** The operator role's default request limit (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST). */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 200, burst: 400 };

export interface CoordinatorProcessOptions {
  store: StorePort;
  /** With a broker the process also runs the dispatcher (outbox relay, dead-letter monitor). */
  broker?: BrokerPort;
  topology: Topology;
  credentials: CredentialRegistry;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  /** The background loop (scheduler, reaper). false: the caller drives `coordinator.tick()`. */
  loop?: { maxIdleMs: number } | false;
  /** The HTTP API. false: none (the simulator calls the coordinator in process). `rateLimit` is the
   * operator role's default limit, `rateLimits` any role's (CREDENTIALS_FILE's `rateLimits` win). */
  http?: { logRequests?: boolean; rateLimit?: RateLimit; rateLimits?: RateLimitDefaults; trustProxyHops?: number } | false;
  /** How stale stored credentials may get before a request waits for a check (default 1 s). */
  credentialStalenessMs?: number;
  dispatcher?: {
    relay?: Partial<OutboxRelayOptions>;
    deadLetterPollMs?: number;
    /** false: no timers (the simulator pumps the relay and polls the monitor itself). */
    background?: boolean;
  };
  /** The KEDA external push scaler (gRPC), served when a broker is configured. */
  scaler?: { host: string; port: number } | false;
  /** Replica counts for the scale gauges; default: heartbeats and KEDA's formula. */
  replicas?: ReplicaSource;
  /** Process and Node metrics (off where several processes share one Node process, as in tests). */
  processMetrics?: boolean;
  coordinatorOptions?: Partial<CoordinatorOptions>;
}

export interface CoordinatorProcess {
  coordinator: Coordinator;
  loop: CoordinatorLoop;
  metrics: MetricsHub;
  factories: FactoryRegistry;
  deadLetters: DeadLetterView;
  /** Stored credentials (with the HTTP API only). */
  credentialSync: CredentialSync | undefined;
  credentialBook: CredentialBook | undefined;
  server: FastifyInstance | undefined;
  dispatcher: Dispatcher | undefined;
  scaler: ExternalScalerServer | undefined;
  readiness(): Readiness;
  /** Starts the HTTP listener; returns the base URL. */
  listen(host: string, port: number): Promise<string>;
  /** Graceful: stops the loop, the listener, the scaler and the dispatcher (recording progress). */
  close(): Promise<void>;
  /** As a crash would: stops timers without recording anything (the simulator). */
  crash(): void;
}

/**
 * THE composition root of a coordinator process: the coordinator, its loop, the metrics, the HTTP
 * API, and with a broker the dispatcher and the external scaler, from one set of options. Every
 * entry point (the production coordinator, the local stack, live chaos, the simulator, the test
 * harnesses, the benchmark) builds its coordinator here, so none of them lacks what another wired.
 *
 * Order matters: the store is initialised and the indexes rebuilt before anything listens; the
 * relay recovers from its watermark and is attached as the assignment sink before the loop can
 * assign; metrics that count flows attach after the rebuild (which replays active jobs).
 */
export async function buildCoordinatorProcess(options: CoordinatorProcessOptions): Promise<CoordinatorProcess> {
  const clock = options.clock ?? systemClock;
  const { store, topology, logger } = options;
  await store.init();
  const coordinator = new Coordinator({ store, clock, topology, ...options.coordinatorOptions });
  // Before the rebuild, which replays every active job: the registry learns who holds which lease.
  const factories = new FactoryRegistry({
    store,
    clock,
    poolCapabilities: (pool) => coordinator.poolView(pool)?.definition.capabilities ?? [],
    staleAfterMs: FACTORY_STALE_AFTER_MS,
  });
  coordinator.onCommit((previous, next) => factories.observe(previous, next));
  const restored = await coordinator.start();
  logger.info({ activeJobs: restored }, "indexes rebuilt from the store");

  const metrics = new MetricsHub({ processMetrics: options.processMetrics ?? true });
  registerCoordinatorMetrics(metrics, coordinator);
  registerJobFlowMetrics(metrics, coordinator);
  registerStoreMetrics(metrics, store);

  const deadLetters = new DeadLetterView(store, coordinator);
  const demand = coordinatorDemandSource(coordinator);
  const replicas = options.replicas ?? heartbeatReplicaSource(() => factories.liveByPool());

  let dispatcher: Dispatcher | undefined;
  let scaler: ExternalScalerServer | undefined;
  if (options.broker !== undefined) {
    const lag = outboxLagHistogram(metrics);
    dispatcher = await startDispatcher({
      broker: options.broker,
      topology,
      store,
      isAwaitingAccept: (jobId, epoch) => coordinator.isAwaitingAccept(jobId, epoch),
      deadLetters: coordinator,
      clock,
      logger,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.dispatcher?.relay === undefined ? {} : { relay: options.dispatcher.relay }),
      ...(options.dispatcher?.deadLetterPollMs === undefined ? {} : { deadLetterPollMs: options.dispatcher.deadLetterPollMs }),
      ...(options.dispatcher?.background === undefined ? {} : { background: options.dispatcher.background }),
      onPublished: (lags) => {
        for (const ms of lags) lag.observe(ms / 1000);
      },
    });
    coordinator.addSink(dispatcher.relay);
    registerDispatcherMetrics(metrics, dispatcher);
    registerScaleMetrics(metrics, { topology, broker: options.broker, demand, replicas, now: () => clock.now() });
    if (options.scaler !== undefined && options.scaler !== false) {
      scaler = await startExternalScaler({ source: demand, host: options.scaler.host, port: options.scaler.port });
    }
  }

  const loop = new CoordinatorLoop(coordinator, { maxIdleMs: options.loop === false ? 1000 : (options.loop?.maxIdleMs ?? 1000), logger });
  let serving = true;
  const brokerState = (): string => {
    if (dispatcher === undefined) return "off";
    if (!dispatcher.topologyReady()) return "unreachable (topology not applied yet)";
    return dispatcher.relay.stats().circuit === "closed" ? "ok" : "unreachable (publishes failing)";
  };
  const readiness = (): Readiness => {
    const checks = {
      indexes: serving ? "rebuilt" : "stopping",
      store: loop.failing ? "unreachable (the last coordinator pass failed)" : "ok",
      broker: brokerState(),
    };
    return { ready: serving && !loop.failing && (checks.broker === "ok" || checks.broker === "off"), checks };
  };

  let server: FastifyInstance | undefined;
  let credentialSync: CredentialSync | undefined;
  let credentialBook: CredentialBook | undefined;
  if (options.http !== false) {
    const http = options.http ?? {};
    const credentials = options.credentials;
    credentialSync = new CredentialSync({
      store,
      clock,
      registry: credentials,
      ...(options.credentialStalenessMs === undefined ? {} : { maxStalenessMs: options.credentialStalenessMs, refreshAfterMs: options.credentialStalenessMs / 2 }),
      onError: (error) => logger.warn({ err: error }, "cannot check stored credentials; run-time tokens are refused until the store answers"),
    });
    const loaded = await credentialSync.load();
    logger.info({ storedCredentials: loaded }, "stored credentials loaded");
    credentials.attach(credentialSync, () => clock.now());
    const limits = new RateLimitPolicy({
      startup: { ...http.rateLimits, operator: http.rateLimit ?? http.rateLimits?.operator ?? DEFAULT_RATE_LIMIT },
      current: () => credentials.rateLimitDefaults(),
      poolSize: (pool) => coordinator.poolView(pool)?.definition.maxReplicas ?? 1,
    });
    const writer = new CredentialWriter(store, credentialSync, clock);
    credentialBook = new CredentialBook({ store, clock, registry: credentials, writer, limits });
    const context: ApiContext = {
      coordinator,
      deadLetters,
      factories,
      credentials,
      credentialBook,
      enrollment: new FactoryEnrollment({ store, clock, topology, registry: credentials, writer, book: credentialBook }),
      metrics,
      storeStats: () => store.stats(),
      readiness,
      kick: () => loop.kick(),
      limiter: new RateLimiter({ policy: limits }),
      poolFacts: async () => poolFacts(topology, options.broker, replicas, demand, brokerState(), factories.healthByPool()),
    };
    server = await buildServer(context, { logger: http.logRequests === true ? logger : false, ...(http.trustProxyHops === undefined ? {} : { trustProxyHops: http.trustProxyHops }) });
  }
  if (options.loop !== false) loop.start();

  return {
    coordinator,
    loop,
    metrics,
    factories,
    deadLetters,
    credentialSync,
    credentialBook,
    server,
    dispatcher,
    scaler,
    readiness,
    async listen(host, port) {
      if (server === undefined) throw new Error("this coordinator process was built without an HTTP API");
      const address = await server.listen({ host, port });
      return address.replace("[::1]", "127.0.0.1");
    },
    async close() {
      serving = false;
      await loop.stop();
      await server?.close();
      await scaler?.close();
      await dispatcher?.stop();
    },
    crash() {
      serving = false;
      void loop.stop();
      dispatcher?.relay.crash();
      void dispatcher?.monitor.stop();
    },
  };
}

async function poolFacts(
  topology: Topology,
  broker: BrokerPort | undefined,
  replicas: ReplicaSource,
  demand: ReturnType<typeof coordinatorDemandSource>,
  brokerState: string,
  factoryHealth: Map<string, PoolFactoryHealth>,
): Promise<Record<string, Record<string, unknown>>> {
  const facts: Record<string, Record<string, unknown>> = {};
  for (const pool of topology.pools) {
    const counts = broker === undefined ? undefined : await broker.counts(topology.topic, subscriptionNameFor(pool.name)).catch(() => undefined);
    const exact = demand.demand(pool.name);
    const metric = pool.trigger === "external-push" ? (exact === undefined ? 0 : exact.awaitingAccept + exact.running) : (counts?.active ?? 0);
    const replica = replicas.replicas(pool, metric);
    const fromFactories = factoryHealth.get(pool.name);
    // Assignments cannot reach the pool while the broker is unreachable.
    const brokerHealth = brokerState === "ok" || brokerState === "off" ? undefined : { health: "degraded" as const, reason: `broker ${brokerState}` };
    const worst = [brokerHealth, fromFactories?.health === "ok" ? undefined : fromFactories].reduce<{ health: FactoryHealth; reason?: string } | undefined>(
      (a, b) => (b === undefined ? a : a === undefined || SEVERITY[b.health] > SEVERITY[a.health] ? b : a),
      undefined,
    );
    facts[pool.name] = {
      desiredReplicas: replica === undefined ? null : Math.min(replica.desired, pool.maxReplicas),
      actualReplicas: replica?.actual ?? null,
      subscriptionActiveMessages: counts?.active ?? null,
      subscriptionDeadLetters: counts?.deadLetter ?? null,
      factories: fromFactories === undefined ? { live: 0, stale: 0, ok: 0, degraded: 0, down: 0 } : { live: fromFactories.live, stale: fromFactories.stale, ok: fromFactories.ok, degraded: fromFactories.degraded, down: fromFactories.down },
      ...(worst === undefined ? {} : { health: worst.health, healthReason: worst.reason }),
    };
  }
  return facts;
}

const SEVERITY: Readonly<Record<FactoryHealth, number>> = { ok: 0, degraded: 1, down: 2 };
