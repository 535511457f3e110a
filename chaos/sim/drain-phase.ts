import { recordSpendReadings } from "./spend-readings.js";
import type { SimWorld } from "./sim-world.js";
import type { Submissions } from "./submit-phase.js";

export const DRAIN_LIMIT_MS = 20 * 60_000;
/** After the first drain: long enough for a worker paused past its lease (up to 25 s) to resume
 * and be fenced, and for late retries to land. */
export const STRAGGLERS_MS = 60_000;

/** Every submission settled, every job terminal, the outbox empty, the coordinator up. */
export function allTerminal(world: SimWorld, submissions: Submissions): boolean {
  const coordinator = world.coordinator.current;
  if (coordinator === undefined || submissions.settled() < submissions.expected) return false;
  if (Object.values(coordinator.queueState().byStage).some((count) => count > 0)) return false;
  return (world.coordinator.relay?.stats().pending ?? 1) === 0;
}

/**
 * Runs until everything is terminal (bounded), then a while longer so stragglers act before the
 * check: workers resuming from a pause, late retries; then on until the levers are settled.
 * Returns whether it drained within the bound.
 */
export async function drain(world: SimWorld, submissions: Submissions, stragglersMs = STRAGGLERS_MS): Promise<boolean> {
  const { loop, clock } = world;
  await loop.run(clock.now() + DRAIN_LIMIT_MS, () => allTerminal(world, submissions), 4_000_000);
  const drained = allTerminal(world, submissions);
  await loop.run(clock.now() + stragglersMs, () => false, 4_000_000);
  // The schedule may outlive that wait: run on until the operators deleted it and lifted every
  // lever, and its last occurrences' jobs ended too (nothing is faulted any more).
  const done = () => allTerminal(world, submissions) && world.levers.settled();
  await loop.run(clock.now() + DRAIN_LIMIT_MS, done, 4_000_000);
  const settled = drained && done();
  // Every job terminal: every accrual observed, so the coordinator's spend is exact here.
  if (world.coordinator.current !== undefined) recordSpendReadings(world.history, world.coordinator.current);
  return settled;
}
