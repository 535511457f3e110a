import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type Clock, type FactoryHealth, type RateLimit, type RateLimitDefaults, systemClock, subscriptionNameFor, type Topology } from "../contracts/index.js";
import type { BrokerPort } from "../broker/port.js";
import { QuietCountsBroker } from "../broker/quiet-counts-broker.js";
import type { StorePort } from "../store/port.js";
import type { ArtifactStorePort } from "../artifacts/port.js";
import type { CredentialRegistry } from "../coordinator/auth/credentials.js";
import { buildServer, type RequestLogLevel } from "../coordinator/api/build-server.js";
import type { ApiContext, Readiness } from "../coordinator/api/context.js";
import { RateLimiter } from "../coordinator/api/rate-limiter.js";
import { DEFAULT_STREAM_LIMITS, StreamRegistry, type StreamLimits } from "../coordinator/api/stream-registry.js";
import { RateLimitPolicy } from "../coordinator/auth/rate-limit-policy.js";
import { Coordinator, type CoordinatorOptions } from "../coordinator/service/coordinator.js";
import { CoordinatorLoop } from "../coordinator/service/coordinator-loop.js";
import { ArtifactCatalog } from "../coordinator/service/artifact-catalog.js";
import { CredentialBook } from "../coordinator/service/credential-book.js";
import { CredentialSync } from "../coordinator/service/credential-sync.js";
import { CredentialWriter } from "../coordinator/service/credential-writer.js";
import { DeadLetterView } from "../coordinator/service/dead-letter-view.js";
import { EventHub } from "../coordinator/service/event-hub.js";
import { FactoryEnrollment } from "../coordinator/service/factory-enrollment.js";
import { FactoryRegistry, type PoolFactoryHealth } from "../coordinator/service/factory-registry.js";
import type { DeadLetterSink } from "../dispatcher/dead-letter-monitor.js";
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
import { PoolHistory } from "./pool-history.js";
import { heartbeatReplicaSource, type ReplicaSource } from "./replica-source.js";
import { StoreHealth } from "./store-health.js";
import type { LeaderGate } from "../coordinator/leadership/leader-gate.js";
import { leaderGatedPasses } from "./leadership/leader-gated-passes.js";

/** A factory silent for three heartbeats (15 s each by default) no longer counts as a replica.
 * Three, not one: the earlier system marked factories stale after 90 s while they beat every
 * 300 s, and every factory flapped (a test pins staleAfter > 2 x the agent's heartbeat). */
export const FACTORY_STALE_AFTER_MS = 45_000;

/** The operator role's default request limit (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST). */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 200, burst: 400 };

/** The built operator console, beside the sources (and at dist/console/dist/app in the image). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../console/dist/app", import.meta.url));

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
  http?: { logRequests?: boolean; requestLogLevel?: RequestLogLevel; rateLimit?: RateLimit; rateLimits?: RateLimitDefaults; trustProxyHops?: number } | false;
  /** How stale stored credentials may get before a request waits for a check (default 1 s). */
  credentialStalenessMs?: number;
  dispatcher?: {
    relay?: Partial<OutboxRelayOptions>;
    deadLetterPollMs?: number;
    /** The longest wait between dead-letter polls while nothing happens (default 30 s). */
    deadLetterIdleMaxMs?: number;
    /** false: no timers (the simulator pumps the relay and polls the monitor itself). */
    background?: boolean;
    /** An observer of dead-letter reconciliations: given the coordinator (where the monitor hands
     * each broker dead letter), returns the sink the monitor calls instead, which must pass every
     * call through and return its answer. Only the caller of the sink learns whether a
     * reconciliation applied or was stale, so this is where the simulator records each one. */
    observeDeadLetters?: (coordinator: DeadLetterSink) => DeadLetterSink;
  };
  /** The KEDA external push scaler (gRPC), served when a broker is configured. */
  scaler?: { host: string; port: number } | false;
  /** Replica counts for the scale gauges; default: heartbeats and KEDA's formula. */
  replicas?: ReplicaSource;
  /** Process and Node metrics (off where several processes share one Node process, as in tests). */
  processMetrics?: boolean;
  coordinatorOptions?: Partial<CoordinatorOptions>;
  /** Limits of the live event streams (served with the HTTP API); the defaults suit production. */
  streams?: Partial<StreamLimits>;
  /** The per-pool scale samples behind the console's charts: every 5 s, kept an hour, by default. */
  poolHistory?: { intervalMs?: number; windowMs?: number };
  /** One of several coordinator replicas (composition/leadership/): each background pass (scheduler,
   * reaper, schedules) runs only while this gate holds. The caller also gates the store and the broker. */
  leadership?: LeaderGate;
  /** Where the built console is; false: no /ui. */
  consoleDir?: string | false;
  /** A folder of chaos and load reports the console lists (the local stack passes `reports`). */
  reportsDir?: string;
  /** Where attempts' logs and files are (none: their pointers are listed, nothing is served), and
   * how many days they are kept (the sweep runs hourly with the loop; none: kept until deleted). */
  artifacts?: { store?: ArtifactStorePort; retentionDays?: number; sweepEveryMs?: number };
}

export interface CoordinatorProcess {
  coordinator: Coordinator;
  loop: CoordinatorLoop;
  metrics: MetricsHub;
  factories: FactoryRegistry;
  deadLetters: DeadLetterView;
  /** Attempts' logs and files; `sweep()` applies the retention (tests call it; the loop runs it hourly). */
  artifacts: ArtifactCatalog;
  /** Stored credentials (with the HTTP API only). */
  credentialSync: CredentialSync | undefined;
  credentialBook: CredentialBook | undefined;
  server: FastifyInstance | undefined;
  dispatcher: Dispatcher | undefined;
  scaler: ExternalScalerServer | undefined;
  /** The live streams and the pool history, built with the HTTP API. */
  streams: { hub: EventHub; registry: StreamRegistry; poolHistory: PoolHistory } | undefined;
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
/** Assignment writes of one scheduling pass in flight at once: enough for CosmosStore to carry a
 * pass in a few bulk calls, few enough that a pause waits only for a short burst to land. */
export const ASSIGNMENT_WRITES_IN_FLIGHT = 64;

export async function buildCoordinatorProcess(options: CoordinatorProcessOptions): Promise<CoordinatorProcess> {
  const clock = options.clock ?? systemClock;
  const { topology, logger } = options;
  const storeHealth = new StoreHealth(() => clock.now());
  const store = storeHealth.watch(options.store);
  await store.init();
  const coordinator = new Coordinator({ store, clock, topology, assignmentWritesInFlight: ASSIGNMENT_WRITES_IN_FLIGHT, ...options.coordinatorOptions });
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
  const artifactStore = options.artifacts?.store;
  if (artifactStore !== undefined) await artifactStore.init();
  const artifacts = new ArtifactCatalog({
    jobs: coordinator,
    store: artifactStore,
    clock,
    ...(options.artifacts?.retentionDays === undefined ? {} : { retentionDays: options.artifacts.retentionDays }),
  });
  const demand = coordinatorDemandSource(coordinator);
  const replicas = options.replicas ?? heartbeatReplicaSource(() => factories.liveByPool());

  let dispatcher: Dispatcher | undefined;
  let scaler: ExternalScalerServer | undefined;
  // Subscription counts (scale gauges, pool facts, the console's history) read nothing from the
  // broker while nothing happens, and the dead-letter monitor stops polling once no message is
  // left: an idle coordinator costs the broker no operation.
  const broker = options.broker === undefined ? undefined : new QuietCountsBroker(options.broker, { now: () => clock.now() });
  if (broker !== undefined) {
    const lag = outboxLagHistogram(metrics);
    const subscriptions = topology.pools.map((pool) => subscriptionNameFor(pool.name));
    dispatcher = await startDispatcher({
      broker,
      topology,
      store,
      isAwaitingAccept: (jobId, epoch) => coordinator.isAwaitingAccept(jobId, epoch),
      deadLetters: options.dispatcher?.observeDeadLetters?.(coordinator) ?? coordinator,
      clock,
      logger,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.dispatcher?.relay === undefined ? {} : { relay: options.dispatcher.relay }),
      ...(options.dispatcher?.deadLetterPollMs === undefined ? {} : { deadLetterPollMs: options.dispatcher.deadLetterPollMs }),
      ...(options.dispatcher?.background === undefined ? {} : { background: options.dispatcher.background }),
      deadLetterIdle: {
        ...(options.dispatcher?.deadLetterIdleMaxMs === undefined ? {} : { maxMs: options.dispatcher.deadLetterIdleMaxMs }),
        // Quiet: no factory alive (an agent may be dead-lettering a message that did not come
        // through this process) and every subscription known empty.
        quiet: async () => {
          for (const live of factories.liveByPool().values()) if (live > 0) return false;
          for (const subscription of subscriptions) await broker.counts(topology.topic, subscription);
          return broker.isQuiet(topology.topic, subscriptions);
        },
      },
      onPublished: (lags) => {
        for (const ms of lags) lag.observe(ms / 1000);
      },
    });
    coordinator.addSink(dispatcher.relay);
    registerDispatcherMetrics(metrics, dispatcher);
    registerScaleMetrics(metrics, { topology, broker, demand, replicas, now: () => clock.now() });
    if (options.scaler !== undefined && options.scaler !== false) {
      scaler = await startExternalScaler({ source: demand, host: options.scaler.host, port: options.scaler.port });
    }
  }

  const loop = new CoordinatorLoop(options.leadership === undefined ? coordinator : leaderGatedPasses(coordinator, options.leadership), { maxIdleMs: options.loop === false ? 1000 : (options.loop?.maxIdleMs ?? 1000), logger });
  let serving = true;
  const brokerState = (): string => {
    if (dispatcher === undefined) return "off";
    if (!dispatcher.topologyReady()) return "unreachable (topology not applied yet)";
    if (dispatcher.relay.stats().circuit !== "closed") return "unreachable (publishes failing)";
    return dispatcher.monitor.stats().lastPollFailed ? "unreachable (dead-letter polls failing)" : "ok";
  };
  const readiness = (): Readiness => {
    const checks = {
      indexes: serving ? "rebuilt" : "stopping",
      store: storeHealth.state(),
      broker: brokerState(),
      scheduler: options.loop === false ? "off" : loop.failing ? "failing (the last pass failed; see the logs)" : "ok",
    };
    const ready = serving && checks.store === "ok" && (checks.broker === "ok" || checks.broker === "off") && checks.scheduler !== "failing (the last pass failed; see the logs)";
    return { ready, checks };
  };

  let server: FastifyInstance | undefined;
  let streams: CoordinatorProcess["streams"];
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
    // Attached after the rebuild, which replays every active job: the streams carry what happens
    // from now on, and read older history from the store when asked.
    const hub = new EventHub({ clock });
    coordinator.onCommit((previous, next) => hub.observe(previous, next));
    coordinator.onFleetEvent((event) => hub.control(event));
    const history = options.poolHistory ?? {};
    const poolHistory = new PoolHistory({
      pools: topology.pools.map((pool) => pool.name),
      clock,
      intervalMs: history.intervalMs ?? 5000,
      windowMs: history.windowMs ?? 3_600_000,
      read: () => poolScaleReadings(coordinator, topology, broker, replicas, demand, brokerState(), factories.healthByPool()),
      onChange: (sample) => hub.poolSample(sample),
      onError: (error) => logger.warn({ err: error }, "pool scale sample failed"),
    });
    streams = { hub, registry: new StreamRegistry({ ...DEFAULT_STREAM_LIMITS, ...options.streams }), poolHistory };
    const context: ApiContext = {
      coordinator,
      deadLetters,
      artifacts,
      factories,
      credentials,
      credentialBook,
      enrollment: new FactoryEnrollment({ store, clock, topology, registry: credentials, writer, book: credentialBook }),
      metrics,
      storeStats: () => store.stats(),
      readiness,
      kick: () => loop.kick(),
      limiter: new RateLimiter({ policy: limits }),
      poolFacts: async () => poolFacts(topology, broker, replicas, demand, brokerState(), factories.healthByPool()),
      streams: { hub, registry: streams.registry },
      poolHistory,
      ...(options.consoleDir === false ? {} : { console: { assetsDir: options.consoleDir ?? DEFAULT_CONSOLE_DIR } }),
      ...(options.reportsDir === undefined ? {} : { reportsDir: options.reportsDir }),
    };
    server = await buildServer(context, {
      logger: http.logRequests === true ? logger : false,
      ...(http.requestLogLevel === undefined ? {} : { requestLogLevel: http.requestLogLevel }),
      ...(http.trustProxyHops === undefined ? {} : { trustProxyHops: http.trustProxyHops }),
    });
  }
  if (options.loop !== false) loop.start();
  streams?.poolHistory.start();
  // The retention sweep, with the loop (an hour apart by default; the first a minute after start).
  let sweepTimer: NodeJS.Timeout | undefined;
  if (options.loop !== false && artifacts.retentionDays !== undefined && artifactStore !== undefined) {
    const every = options.artifacts?.sweepEveryMs ?? 3_600_000;
    const sweep = () => {
      artifacts.sweep().then(
        (result) => {
          if (result.deleted > 0) logger.info(result, "artifact retention: deleted expired artifacts");
        },
        (error: unknown) => logger.warn({ err: error }, "artifact retention sweep failed; it runs again later"),
      );
      sweepTimer = setTimeout(sweep, every);
      sweepTimer.unref();
    };
    sweepTimer = setTimeout(sweep, Math.min(every, 60_000));
    sweepTimer.unref();
  }

  return {
    coordinator,
    loop,
    metrics,
    factories,
    deadLetters,
    artifacts,
    credentialSync,
    credentialBook,
    server,
    dispatcher,
    scaler,
    streams,
    readiness,
    async listen(host, port) {
      if (server === undefined) throw new Error("this coordinator process was built without an HTTP API");
      const address = await server.listen({ host, port });
      return address.replace("[::1]", "127.0.0.1");
    },
    async close() {
      serving = false;
      clearTimeout(sweepTimer);
      streams?.poolHistory.stop();
      await loop.stop();
      await server?.close();
      await scaler?.close();
      await dispatcher?.stop();
    },
    crash() {
      serving = false;
      clearTimeout(sweepTimer);
      streams?.poolHistory.stop();
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

/** Every pool's scale as the console charts it: replicas and depth as GET /fleet/pools reports
 * them, leases from the coordinator's memory. */
async function poolScaleReadings(
  coordinator: Coordinator,
  topology: Topology,
  broker: BrokerPort | undefined,
  replicas: ReplicaSource,
  demand: ReturnType<typeof coordinatorDemandSource>,
  brokerState: string,
  factoryHealth: Map<string, PoolFactoryHealth>,
) {
  const facts = await poolFacts(topology, broker, replicas, demand, brokerState, factoryHealth);
  return coordinator.poolViews().map((pool) => {
    const fact = facts[pool.definition.name] ?? {};
    return {
      pool: pool.definition.name,
      desiredReplicas: (fact.desiredReplicas as number | null | undefined) ?? null,
      actualReplicas: (fact.actualReplicas as number | null | undefined) ?? null,
      subscriptionActiveMessages: (fact.subscriptionActiveMessages as number | null | undefined) ?? null,
      inFlightLeases: pool.inFlight,
      awaitingAccept: pool.awaitingAccept,
    };
  });
}

const SEVERITY: Readonly<Record<FactoryHealth, number>> = { ok: 0, degraded: 1, down: 2 };
