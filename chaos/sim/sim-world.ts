import type { Topology } from "../../contracts/index.js";
import type { MemoryBroker } from "../../broker/memory/memory-broker.js";
import type { FaultyStore } from "../../store/faulty-store.js";
import type { MemoryStore } from "../../store/memory/memory-store.js";
import type { History } from "../history/history.js";
import type { DeliveryBell } from "./delivery-bell.js";
import type { EventLoop } from "./event-loop.js";
import type { FaultPlan } from "./fault-plan.js";
import type { Levers } from "./lever-phase.js";
import type { PlantedBug } from "./planted-bugs.js";
import type { SeededRandom } from "./seeded-random.js";
import type { SimCoordinator } from "./sim-coordinator.js";
import type { VirtualClock } from "./virtual-clock.js";

export interface SimOptions {
  seed: number;
  jobs: number;
  /** false plants the "fencing-disabled" bug (kept for `--no-fencing`). */
  fencing: boolean;
  /** A bug to plant, for proving the checker catches it. */
  bug?: PlantedBug;
  /** Overrides of the fault plan drawn from the seed (drawn first, so the rest of the run's random
   * choices stay those of the seed): for tests that need a fault at a given strength. */
  faults?: Partial<FaultPlan>;
}

/** What every part of one simulated run shares. */
export interface SimWorld {
  options: SimOptions;
  /** The planted bug, if any (`fencing: false` means "fencing-disabled"). */
  bug: PlantedBug | undefined;
  clock: VirtualClock;
  random: SeededRandom;
  loop: EventLoop;
  history: History;
  plan: FaultPlan;
  topology: Topology;
  broker: MemoryBroker;
  /** The store as the coordinator sees it (faults injected); `memory` is the truth underneath. */
  store: FaultyStore;
  memory: MemoryStore;
  coordinator: SimCoordinator;
  /** Wakes agents waiting for a message when the relay publishes. */
  bell: DeliveryBell;
  /** Counts an injected fault by name (for the run's figures). */
  count(fault: string): void;
  /** Faults are injected only in the fault phase; afterwards the world is healthy. */
  inFaultPhase(): boolean;
  /** The fix for poison work is deployed (before the dead letters are replayed). */
  poisonFixed: boolean;
  /** The operators' levers (set once they are scheduled). */
  levers: Levers;
}
