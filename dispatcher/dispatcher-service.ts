import { type Clock, type Topology, callRetryBackoffMs } from "../contracts/index.js";
import type { StorePort } from "../store/port.js";
import { type BrokerPort, isBrokerError } from "../broker/port.js";
import { brokerTopologyOf } from "./broker-topology.js";
import { DeadLetterMonitor, type DeadLetterSink } from "./dead-letter-monitor.js";
import { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
import { storeOutboxSource, storeRelayWatermark } from "./store-outbox.js";

export interface DispatcherLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  broker: BrokerPort;
  topology: Topology;
  store: StorePort;
  /** Whether an assignment epoch still awaits its accept (the coordinator's memory answers). */
  isAwaitingAccept: (jobId: string, epoch: number) => boolean;
  /** Where reconciled broker dead letters go (the coordinator). */
  deadLetters: DeadLetterSink;
  clock: Clock;
  logger: DispatcherLogger;
  random?: () => number;
  relay?: Partial<OutboxRelayOptions>;
  deadLetterPollMs?: number;
  /** The dead-letter monitor's idle backoff: its longest wait, and when it may stop polling. */
  deadLetterIdle?: { maxMs?: number; quiet?: () => Promise<boolean> };
  /** false: no timers and no retry loop (the simulator pumps the relay and polls the monitor). */
  background?: boolean;
  onPublished?: (lagsMs: readonly number[]) => void;
}

export interface Dispatcher {
  relay: OutboxRelay;
  monitor: DeadLetterMonitor;
  /** Resolves once the topology has been applied (it retries in the background until then). */
  topologyApplied: Promise<void>;
  /** True once the topology is applied. */
  topologyReady(): boolean;
  stop(): Promise<void>;
}

/**
 * The dispatcher: applies the Service Bus topology (idempotently, retrying while the broker is
 * unreachable), relays the outbox, and reconciles dead letters. Start it AFTER the coordinator
 * rebuilt its indexes, so a restart republishes only what the watermark says may be missing; the
 * caller hands the relay every committed assignment (it is the coordinator's AssignmentSink).
 */
export async function startDispatcher(options: DispatcherOptions): Promise<Dispatcher> {
  const random = options.random ?? Math.random;
  const background = options.background !== false;
  const brokerTopology = brokerTopologyOf(options.topology);
  let stopped = false;
  let applied = false;
  const topologyApplied = background
    ? applyTopology()
    : options.broker.ensureTopology(brokerTopology).then(() => {
        applied = true;
      });
  async function applyTopology(): Promise<void> {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await options.broker.ensureTopology(brokerTopology);
        applied = true;
        options.logger.info({ topic: brokerTopology.topic, subscriptions: brokerTopology.subscriptions.length }, "broker topology applied");
        return;
      } catch (error) {
        if (isBrokerError(error, "unauthorized")) {
          // On Azure the topology belongs to the infrastructure (infra/bicep) and this identity has
          // no Manage rights: carry on with what is deployed.
          applied = true;
          options.logger.warn({ err: error }, "no rights to manage the broker topology; assuming it is deployed by the infrastructure");
          return;
        }
        const delay = callRetryBackoffMs({ attempt, baseMs: 250, maxMs: 10_000 }, random);
        options.logger.warn({ err: error, retryInMs: delay }, "cannot apply broker topology yet; retrying");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  const monitor = new DeadLetterMonitor({
    broker: options.broker,
    topic: brokerTopology.topic,
    subscriptions: brokerTopology.subscriptions.map((s) => ({ name: s.name, pool: String(s.filter.pool) })),
    sink: options.deadLetters,
    onError: (error) => options.logger.warn({ err: error }, "dead-letter poll failed"),
    onUnreadable: (message, subscription) =>
      options.logger.warn({ subscription, messageId: message.messageId, reason: message.deadLetterReason }, "unreadable dead letter settled"),
    now: () => options.clock.now(),
    ...(options.deadLetterIdle?.maxMs === undefined ? {} : { idleMaxMs: options.deadLetterIdle.maxMs }),
    ...(options.deadLetterIdle?.quiet === undefined ? {} : { quiet: options.deadLetterIdle.quiet }),
  });
  const relay = new OutboxRelay(
    {
      broker: options.broker,
      topic: brokerTopology.topic,
      source: storeOutboxSource(options.store, options.isAwaitingAccept),
      watermarks: storeRelayWatermark(options.store, brokerTopology.topic, () => options.clock.now()),
      clock: options.clock,
      random,
      onError: (error, retryInMs) => options.logger.warn({ err: error, retryInMs }, "publish failed; backing off"),
      onPublished: (lags) => {
        // Published assignments are what can become dead letters: the monitor resumes polling.
        monitor.activity();
        options.onPublished?.(lags);
      },
    },
    options.relay,
  );
  const recovered = await relay.recover();
  options.logger.info({ recovered }, "outbox relay recovered assignments since its watermark");
  if (background) relay.start();
  if (background) {
    void topologyApplied.then(() => {
      if (!stopped) monitor.start(options.deadLetterPollMs ?? 1000);
    });
  }
  return {
    relay,
    monitor,
    topologyApplied,
    topologyReady: () => applied,
    async stop() {
      stopped = true;
      await relay.stop();
      await monitor.stop();
    },
  };
}
