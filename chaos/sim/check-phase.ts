import type { JobDoc } from "../../contracts/index.js";
import { type HistoryCheck, checkHistory } from "../history/check-history.js";
import type { SimWorld } from "./sim-world.js";

/** How long after max(commit, heal) a committed assignment may wait to be published: the relay's
 * backoff cap (5 s) plus its circuit's open time (2 s), with room for one failed trial. */
export const OUTBOX_BOUND_MS = 10_000;

/** Reads the final state and judges the recorded history. */
export async function checkRun(world: SimWorld, run: { healedAt: number; drainedInTime: boolean }): Promise<{ check: HistoryCheck; jobs: JobDoc[] }> {
  const jobs = (await world.memory.query("jobs", {})).items.map((item) => item.doc);
  const check = checkHistory({
    history: world.history.operations,
    healedAt: run.healedAt,
    outboxBoundMs: OUTBOX_BOUND_MS,
    relayPending: world.coordinator.relay?.stats().pending ?? -1,
    drainedInTime: run.drainedInTime,
    replayMustShip: true,
  });
  return { check, jobs };
}
