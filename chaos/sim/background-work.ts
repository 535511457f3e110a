import { decideScaledJob } from "../../keda/local/scaled-job-formula.js";
import { SimFactory } from "./sim-factory.js";
import type { SimWorld } from "./sim-world.js";

/**
 * The loops that run all the time, as they do in production: the coordinator's tick (reaper,
 * scheduler) every 200 ms, the relay every 100 ms, the dead-letter monitor every 500 ms, and the
 * KEDA ScaledJob formula every second, starting one-shot factories for the subscription's depth.
 * Returns the factories started so far (the list grows).
 */
export function startBackgroundWork(world: SimWorld): SimFactory[] {
  const { loop, coordinator } = world;
  const every = (ms: number, work: () => Promise<void>) => {
    const run = async () => {
      await work().catch((error: unknown) => {
        if (process.env.SIM_DEBUG !== undefined) console.error("sim background work failed:", error);
      });
      loop.after(ms, run);
    };
    loop.after(ms, run);
  };
  every(200, () => coordinator.tick());
  every(100, () => coordinator.pumpRelay());
  every(500, () => coordinator.pollDeadLetters());
  const factories: SimFactory[] = [];
  every(1000, async () => {
    const counts = await world.broker.counts(world.topology.topic, "general");
    const decision = decideScaledJob({
      queueLength: counts.active,
      targetAverageValue: 1,
      activationThreshold: 0,
      minReplicaCount: 0,
      maxReplicaCount: 6,
      runningJobCount: factories.filter((f) => f.alive).length,
      pendingJobCount: 0,
      strategy: "accurate",
    });
    for (let i = 0; i < decision.jobsToCreate; i++) factories.push(new SimFactory(world, `agent-${factories.length + 1}`));
  });
  return factories;
}
