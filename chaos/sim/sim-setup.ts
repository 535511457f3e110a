import { parseTopology } from "../../contracts/topology-file.js";
import { MemoryBroker } from "../../broker/memory/memory-broker.js";
import { brokerTopologyOf } from "../../dispatcher/broker-topology.js";
import { FaultyStore } from "../../store/faulty-store.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { History } from "../history/history.js";
import { DeliveryBell } from "./delivery-bell.js";
import { EventLoop } from "./event-loop.js";
import { type FaultPlan, drawFaultPlan } from "./fault-plan.js";
import { RecordingStore } from "./recording-store.js";
import { SeededRandom } from "./seeded-random.js";
import { recordSpendReadings } from "./spend-readings.js";
import { createSimCoordinator } from "./sim-coordinator.js";
import type { SimOptions, SimWorld } from "./sim-world.js";
import { VirtualClock } from "./virtual-clock.js";

export const FAULT_PHASE_MS = 60_000;
/** Half a minute before midnight at the end of a month (and a year): budget windows roll over,
 * and a schedule's first occurrence falls, inside the fault phase. */
export const START = Date.UTC(2025, 11, 31, 23, 59, 30);

/** The simulated pool: one-shot factories with one seat, a 10 s lease; preemption as the
 * topology's default (a job preempted twice is protected). */
const TOPOLOGY = {
  topic: "assignments",
  pools: [
    {
      name: "general",
      capabilities: ["lang:ts"],
      image: "sim",
      seats: 1,
      maxReplicas: 6,
      workload: "scaledJob",
      scalingStrategy: "accurate",
      leaseSeconds: 10,
      acceptTimeoutSeconds: 20,
      lockDurationSeconds: 5,
      maxDeliveryCount: 5,
    },
  ],
};

/**
 * Builds one run's world from its seed: the virtual clock and event loop, the fault plan, the
 * memory store (recorded, then faulted: 429s, 412 races, timeouts with unknown outcome) and the
 * memory broker (refusals, blackholes, half-open windows, resets), the history, and the
 * coordinator side. Every random choice comes from the one seeded source, in event order.
 */
export async function createWorld(options: SimOptions): Promise<{ world: SimWorld; faults: Record<string, number> }> {
  const random = new SeededRandom(options.seed);
  const clock = new VirtualClock(START);
  const loop = new EventLoop(clock);
  const history = new History(() => clock.now());
  const plan: FaultPlan = { ...drawFaultPlan(random, FAULT_PHASE_MS, START), ...options.faults };
  const faults: Record<string, number> = {};
  const count = (name: string) => {
    faults[name] = (faults[name] ?? 0) + 1;
  };
  const inFaultPhase = () => clock.now() - START < FAULT_PHASE_MS;
  const memory = new MemoryStore();
  const store = new FaultyStore(new RecordingStore(memory, history), (op) => storeFault(op, plan, random, inFaultPhase, count));
  const broker = new MemoryBroker({ clock, faults: (op) => brokerFault(op, plan, random, () => clock.now() - START, count) });
  const topology = parseTopology(TOPOLOGY);
  await broker.ensureTopology(brokerTopologyOf(topology));
  const bell = new DeliveryBell();
  const bug = options.bug ?? (options.fencing ? undefined : "fencing-disabled");
  const coordinator = createSimCoordinator({
    clock,
    loop,
    history,
    topology,
    broker,
    store,
    bell,
    random: () => random.next(),
    bug,
    // The spend was just rebuilt from the store, before any call reached this process: exact.
    onBoot: (process) => recordSpendReadings(history, process.coordinator),
  });
  const world: SimWorld = { options, bug, clock, random, loop, history, plan, topology, broker, store, memory, coordinator, bell, count, inFaultPhase, poisonFixed: false, levers: { settled: () => true } };
  return { world, faults };
}

function storeFault(op: string, plan: FaultPlan, random: SeededRandom, inFaultPhase: () => boolean, count: (name: string) => void) {
  if (!inFaultPhase()) return "none" as const;
  if (random.chance(plan.storeThrottleRate)) {
    count("store-429");
    return { kind: "throttle", retryAfterMs: 100 } as const;
  }
  if (op === "replace" && random.chance(plan.storeConflictRate)) {
    count("store-412");
    return "conflict" as const;
  }
  if (random.chance(plan.storeTimeoutRate)) {
    count("store-timeout");
    return { kind: "timeout", applied: random.chance(0.5) } as const;
  }
  return "none" as const;
}

function brokerFault(op: string, plan: FaultPlan, random: SeededRandom, elapsed: () => number, count: (name: string) => void) {
  const t = elapsed();
  if (t >= FAULT_PHASE_MS) return "none" as const;
  if (op === "settle" && random.chance(plan.settleLossRate)) {
    count("broker-settle-lost");
    return "blackhole" as const;
  }
  const fault = plan.brokerOutages.find((o) => t >= o.from && t < o.to)?.kind ?? "none";
  if (fault === "refuse") {
    count("broker-refuse");
    return "refuse" as const;
  }
  if (fault === "half-open" && op === "publish") {
    count("broker-half-open");
    return "drop-ack" as const;
  }
  if (fault === "blackhole") {
    count("broker-blackhole");
    return "blackhole" as const;
  }
  if (fault === "reset") {
    count("broker-reset");
    return random.chance(0.5) ? ("refuse" as const) : ("drop-ack" as const);
  }
  return "none" as const;
}
