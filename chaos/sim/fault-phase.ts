import type { SimWorld } from "./sim-world.js";
import { FAULT_PHASE_MS, START } from "./sim-setup.js";

/**
 * The scheduled faults of the fault phase: broker restarts (every lock lost) and coordinator
 * crashes, some right after a tick committed assignments and before the relay published them.
 * Per-call faults (store, broker windows) and per-attempt agent faults are drawn as calls and
 * attempts happen; all of them stop when the phase ends.
 */
export function scheduleFaults(world: SimWorld): void {
  const { loop, plan } = world;
  for (const at of plan.brokerRestarts) {
    loop.at(START + at, () => {
      world.broker.restart();
      world.count("broker-restart");
      world.history.instant({ kind: "fault", fault: "broker-restart", actor: "broker" });
    });
  }
  for (const planned of [...plan.coordinatorCrashes, ...plan.levers.scheduleCrashes]) {
    loop.at(START + planned.at, () => {
      if (planned.afterTick) world.coordinator.crashAfterNextTick(planned.downMs);
      else world.coordinator.crash(planned.downMs);
    });
  }
}

/** Runs the fault phase, then records the heal: from here on the world is healthy. */
export async function runFaultPhase(world: SimWorld): Promise<number> {
  await world.loop.run(START + FAULT_PHASE_MS, () => false, 2_000_000);
  const healedAt = START + FAULT_PHASE_MS;
  world.history.instant({ kind: "fault", fault: "heal", actor: "chaos" }, healedAt);
  return healedAt;
}
