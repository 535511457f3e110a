import type { JobDoc } from "../../contracts/index.js";
import type { HistoryCheck } from "../history/check-history.js";
import type { Operation } from "../history/operation.js";
import { startBackgroundWork } from "./background-work.js";
import { checkRun } from "./check-phase.js";
import { drain } from "./drain-phase.js";
import { runFaultPhase, scheduleFaults } from "./fault-phase.js";
import type { FaultPlan } from "./fault-plan.js";
import { scheduleLevers } from "./lever-phase.js";
import { replayDeadLetters } from "./replay-phase.js";
import { START, createWorld } from "./sim-setup.js";
import type { SimOptions } from "./sim-world.js";
import { scheduleSubmissions } from "./submit-phase.js";

export { FAULT_PHASE_MS } from "./sim-setup.js";

export interface SimResult {
  seed: number;
  hash: string;
  /** The recorded history, for diagnosing a failing seed. */
  history: readonly Operation[];
  plan: FaultPlan;
  check: HistoryCheck;
  simulatedMs: number;
  wallMs: number;
  steps: number;
  jobs: JobDoc[];
  faults: Record<string, number>;
  diagnosis: { relay: unknown; liveAgents: number; broker: unknown };
}

/**
 * One deterministic run: the real coordinator (scorer, lifecycle, reaper), outbox relay,
 * dead-letter monitor, KEDA ScaledJob formula and the shipped factory agent, on the memory store
 * and broker, a virtual clock and one seeded random source, with faults drawn from the seed.
 * Phases: submit, fault and the operators' levers (together), heal (the levers lifted), drain,
 * replay the dead letters and drain again, check the recorded history.
 */
export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const wallStart = performance.now();
  const { world, faults } = await createWorld(options);
  await world.coordinator.boot();
  const factories = startBackgroundWork(world);
  scheduleFaults(world);
  world.levers = scheduleLevers(world);
  const submissions = scheduleSubmissions(world);
  const healedAt = await runFaultPhase(world);
  const drained = await drain(world, submissions);
  const replayed = await replayDeadLetters(world, submissions);
  const { check, jobs } = await checkRun(world, { healedAt, drainedInTime: drained && replayed });
  if (world.loop.errors.length > 0) throw new AggregateError(world.loop.errors, `seed ${options.seed}: the simulation itself failed`);
  return {
    seed: options.seed,
    hash: world.history.hash(),
    history: world.history.operations,
    plan: world.plan,
    check,
    simulatedMs: world.clock.now() - START,
    wallMs: performance.now() - wallStart,
    steps: world.loop.steps,
    jobs,
    // Crashes are counted as they happen (a planned one finds the coordinator already down sometimes).
    faults: check.figures.coordinatorCrashes === 0 ? faults : { ...faults, "coordinator-crash": check.figures.coordinatorCrashes },
    diagnosis: {
      relay: world.coordinator.relay?.stats(),
      liveAgents: factories.filter((f) => f.alive).length,
      broker: await world.broker.counts(world.topology.topic, "general").catch(() => undefined),
    },
  };
}
