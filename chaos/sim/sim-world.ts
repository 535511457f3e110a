import type { Topology } from "../../contracts/index.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { MemoryBroker } from "../../broker/memory/memory-broker.js";
import type { EventLoop } from "./event-loop.js";
import type { FaultPlan } from "./fault-plan.js";
import type { History } from "./history.js";
import type { SeededRandom } from "./seeded-random.js";
import type { VirtualClock } from "./virtual-clock.js";

export interface SimOptions {
  seed: number;
  jobs: number;
  /** false plants the bug the checker must catch: fenced writers force their result in. */
  fencing: boolean;
}

/** What simulated components share. `coordinator` is undefined while the coordinator is crashed. */
export interface SimWorld {
  options: SimOptions;
  clock: VirtualClock;
  random: SeededRandom;
  loop: EventLoop;
  history: History;
  broker: MemoryBroker;
  topology: Topology;
  plan: FaultPlan;
  coordinator: Coordinator | undefined;
}
