import type { Topology } from "../../contracts/index.js";
import type { BrokerPort } from "../../broker/port.js";
import { FACTORY_STALE_AFTER_MS } from "../../composition/coordinator-process.js";
import { Coordinator } from "../../coordinator/service/coordinator.js";
import { FactoryRegistry } from "../../coordinator/service/factory-registry.js";
import { DeadLetterMonitor, type DeadLetterSink } from "../../dispatcher/dead-letter-monitor.js";
import { OutboxRelay } from "../../dispatcher/outbox-relay.js";
import { storeOutboxSource, storeRelayWatermark } from "../../dispatcher/store-outbox.js";
import type { StorePort } from "../../store/port.js";
import type { History } from "../history/history.js";
import type { DeliveryBell } from "./delivery-bell.js";
import type { EventLoop } from "./event-loop.js";
import { PlantedBugStore, liveQueueBroker } from "./planted-coordinator-bugs.js";
import type { PlantedBug } from "./planted-bugs.js";
import { RecordingRelayBroker } from "./recording-relay-broker.js";
import type { VirtualClock } from "./virtual-clock.js";

export interface SimCoordinatorDeps {
  clock: VirtualClock;
  loop: EventLoop;
  history: History;
  topology: Topology;
  broker: BrokerPort;
  store: StorePort;
  bell: DeliveryBell;
  random: () => number;
  bug: PlantedBug | undefined;
}

/** The coordinator process of the simulation: undefined parts while it is down. */
export interface SimCoordinator {
  readonly current: Coordinator | undefined;
  /** The factory registry the heartbeat route writes to. */
  readonly factories: FactoryRegistry | undefined;
  readonly relay: OutboxRelay | undefined;
  /** Starts it (again): indexes rebuilt from the store, the relay recovered from its watermark. */
  boot(): Promise<void>;
  /** kill -9: everything in memory is lost; it boots again after `downMs`. */
  crash(downMs: number): void;
  /** Crash right after the next tick (after assignments commit, before the relay publishes them). */
  crashAfterNextTick(downMs: number): void;
  /** One pass of each background loop, as the coordinator loop, the relay and the monitor run them. */
  tick(): Promise<void>;
  pumpRelay(): Promise<void>;
  pollDeadLetters(): Promise<void>;
}

/**
 * THE wiring of the simulation's coordinator side, in one place: the real coordinator (scorer,
 * lifecycle, reaper), its factory registry, the outbox relay and the dead-letter monitor on the
 * memory store and broker,
 * with their crash and boot. The relay's publishes and the monitor's reconciliations are recorded
 * in the history; the planted coordinator-side bugs wrap the store and the monitor's broker here.
 */
export function createSimCoordinator(deps: SimCoordinatorDeps): SimCoordinator {
  const { clock, loop, history, topology } = deps;
  const relayBroker = new RecordingRelayBroker(deps.broker, history, deps.bell);
  let boots = 0;
  const store = new PlantedBugStore(deps.store, deps.bug, () => boots, relayBroker, topology.topic, () => clock.now());
  const monitorBroker = deps.bug === "monitor-reads-live-queue" ? liveQueueBroker(deps.broker) : deps.broker;
  let running: { coordinator: Coordinator; factories: FactoryRegistry; relay: OutboxRelay; monitor: DeadLetterMonitor } | undefined;
  let crashAfterTick: number | undefined;

  const recordedSink = (coordinator: Coordinator): DeadLetterSink => ({
    async deadLetter(jobId, letter) {
      const op = history.invoke({ kind: "dead-letter", actor: "monitor", jobId, epoch: letter.epoch, reason: letter.reason });
      try {
        const result = await coordinator.deadLetter(jobId, letter);
        history.complete(op, result.applied ? "ok" : "fail", result.applied ? {} : { code: "STALE_DEAD_LETTER" });
        return result;
      } catch (error) {
        history.complete(op, "unknown", { code: "STORE_UNAVAILABLE" });
        throw error;
      }
    },
  });

  const handle: SimCoordinator = {
    get current() {
      return running?.coordinator;
    },
    get factories() {
      return running?.factories;
    },
    get relay() {
      return running?.relay;
    },
    async boot() {
      boots++;
      try {
        const coordinator = new Coordinator({ store, clock, topology });
        // As the composition root does: the registry learns who holds which lease from the rebuild on.
        const factories = new FactoryRegistry({ store, clock, poolCapabilities: (pool) => coordinator.poolView(pool)?.definition.capabilities ?? [], staleAfterMs: FACTORY_STALE_AFTER_MS });
        coordinator.onCommit((previous, next) => factories.observe(previous, next));
        await coordinator.start();
        const relay = new OutboxRelay(
          {
            broker: relayBroker,
            topic: topology.topic,
            source: storeOutboxSource(store, (jobId, epoch) => coordinator.isAwaitingAccept(jobId, epoch)),
            watermarks: storeRelayWatermark(store, topology.topic, () => clock.now()),
            clock,
            random: deps.random,
          },
          { watermarkIntervalMs: 1000 },
        );
        await relay.recover();
        coordinator.addSink(relay);
        const monitor = new DeadLetterMonitor({ broker: monitorBroker, topic: topology.topic, subscriptions: [{ name: "general", pool: "general" }], sink: recordedSink(coordinator) });
        running = { coordinator, factories, relay, monitor };
        history.instant({ kind: "fault", fault: "coordinator-restart", actor: "coordinator" });
      } catch {
        // The store refused the rebuild: try again, as a restarting container would.
        loop.after(200, () => handle.boot());
      }
    },
    crash(downMs) {
      if (running === undefined) return;
      running.relay.crash();
      running = undefined;
      history.instant({ kind: "fault", fault: "coordinator-crash", actor: "coordinator" });
      loop.after(downMs, () => handle.boot());
    },
    crashAfterNextTick(downMs) {
      crashAfterTick = downMs;
    },
    async tick() {
      await running?.coordinator.tick();
      if (crashAfterTick !== undefined) {
        handle.crash(crashAfterTick);
        crashAfterTick = undefined;
      }
    },
    async pumpRelay() {
      await running?.relay.pumpOnce();
    },
    async pollDeadLetters() {
      await running?.monitor.pollOnce(50, 0);
    },
  };
  return handle;
}
