import pino from "pino";
import type { Topology } from "../../contracts/index.js";
import type { BrokerPort } from "../../broker/port.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { DeadLetterView } from "../../coordinator/service/dead-letter-view.js";
import type { FactoryRegistry } from "../../coordinator/service/factory-registry.js";
import type { DeadLetterSink } from "../../dispatcher/dead-letter-monitor.js";
import type { OutboxRelay } from "../../dispatcher/outbox-relay.js";
import type { StorePort } from "../../store/port.js";
import type { History } from "../history/history.js";
import type { DeliveryBell } from "./delivery-bell.js";
import type { EventLoop } from "./event-loop.js";
import { PlantedBugStore, liveQueueBroker } from "./planted-coordinator-bugs.js";
import type { PlantedBug } from "./planted-bugs.js";
import { RecordingRelayBroker } from "./recording-relay-broker.js";
import type { VirtualClock } from "./virtual-clock.js";

const silent = pino({ level: "silent" });

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
  /** Called after every boot, with the fresh process (the run reads the levers' state here). */
  onBoot?: (process: CoordinatorProcess) => void;
}

/** The coordinator process of the simulation: undefined parts while it is down. */
export interface SimCoordinator {
  readonly current: Coordinator | undefined;
  /** The factory registry the heartbeat route writes to. */
  readonly factories: FactoryRegistry | undefined;
  readonly relay: OutboxRelay | undefined;
  /** The dead-letter view the operator's replay goes through. */
  readonly deadLetters: DeadLetterView | undefined;
  /** How many times it booted (the first boot included). */
  readonly boots: number;
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
 * The simulation's coordinator side, built by THE composition root (`buildCoordinatorProcess`)
 * as every other entry point builds it, without its HTTP API, its loop or any timer: the
 * simulator drives the tick, the relay and the dead-letter monitor on its virtual clock. What is
 * the simulator's own is only around the ports it passes in: the relay's publishes recorded in
 * the history (a broker wrapper), each dead-letter reconciliation recorded with its outcome (the
 * root's observer option), and the planted coordinator-side bugs (a store wrapper, and a broker
 * whose dead-letter receivers open the live subscription).
 */
export function createSimCoordinator(deps: SimCoordinatorDeps): SimCoordinator {
  const { clock, loop, history, topology } = deps;
  const relayBroker = new RecordingRelayBroker(deps.broker, history, deps.bell);
  let boots = 0;
  const store = new PlantedBugStore(deps.store, deps.bug, () => boots, relayBroker, topology.topic, () => clock.now());
  const broker = deps.bug === "monitor-reads-live-queue" ? liveQueueBroker(relayBroker) : relayBroker;
  let running: CoordinatorProcess | undefined;
  let crashAfterTick: number | undefined;

  const recordedSink = (coordinator: DeadLetterSink): DeadLetterSink => ({
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
      return running?.dispatcher?.relay;
    },
    get deadLetters() {
      return running?.deadLetters;
    },
    get boots() {
      return boots;
    },
    async boot() {
      boots++;
      try {
        running = await buildCoordinatorProcess({
          store,
          broker,
          topology,
          // No HTTP API: agents and operators call the coordinator in process, so no credential is read.
          credentials: new CredentialRegistry(),
          logger: silent,
          clock,
          random: deps.random,
          loop: false,
          http: false,
          scaler: false,
          processMetrics: false,
          dispatcher: { background: false, relay: { watermarkIntervalMs: 1000 }, observeDeadLetters: recordedSink },
        });
        history.instant({ kind: "fault", fault: "coordinator-restart", actor: "coordinator" });
        deps.onBoot?.(running);
      } catch {
        // The store refused the rebuild: try again, as a restarting container would.
        loop.after(200, () => handle.boot());
      }
    },
    crash(downMs) {
      if (running === undefined) return;
      running.crash();
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
      await running?.dispatcher?.relay.pumpOnce();
    },
    async pollDeadLetters() {
      await running?.dispatcher?.monitor.pollOnce(50, 0);
    },
  };
  return handle;
}
