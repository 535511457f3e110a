import { drain } from "./drain-phase.js";
import type { SimWorld } from "./sim-world.js";
import type { Submissions } from "./submit-phase.js";

/** After the replays drain: nothing is faulted any more, a little time for late calls suffices. */
const REPLAY_STRAGGLERS_MS = 10_000;

/**
 * What an operator does after an incident: deploys the fix for the poison work, lists the dead
 * letters and replays each one; the run then drains again, and each replay must ship exactly once.
 * With the planted bug "replay-twice" the operator's tool replays the same list a second time
 * after those jobs finished, bypassing the dead-letter view's check.
 */
export async function replayDeadLetters(world: SimWorld, submissions: Submissions): Promise<boolean> {
  const { history } = world;
  const coordinator = world.coordinator.current;
  const view = world.coordinator.deadLetters;
  if (coordinator === undefined || view === undefined) return false;
  world.poisonFixed = true;
  history.instant({ kind: "fault", fault: "fix-deployed", actor: "operator" });
  const page = await view.list(undefined, { includeDiscarded: false }, 500);
  history.instant({ kind: "dlq-list", actor: "operator", jobIds: page.items.map((item) => item.jobId) });
  if (page.items.length === 0) return true;
  for (const item of page.items) {
    const op = history.invoke({ kind: "replay", actor: "operator", jobId: item.jobId });
    try {
      await view.replay(undefined, item.jobId);
      history.complete(op, "ok");
    } catch (error) {
      history.complete(op, "fail", { code: error instanceof Error ? error.name : "error" });
    }
  }
  let drained = await drain(world, submissions, REPLAY_STRAGGLERS_MS);
  if (world.bug === "replay-twice") {
    for (const item of page.items) await coordinator.action(undefined, item.jobId, "requeue", "replayed from dead letters (stale list)").catch(() => undefined);
    drained = (await drain(world, submissions, REPLAY_STRAGGLERS_MS)) && drained;
  }
  return drained;
}
