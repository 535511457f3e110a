import type { LeaderGate } from "../../coordinator/leadership/leader-gate.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { LoopTarget } from "../../coordinator/service/coordinator-loop.js";

/**
 * The coordinator's background pass (scheduler, reaper, unblocking, schedules, withdrawals) behind
 * the leadership gate: before each pass the replica checks its lease on its own clock and skips
 * the pass when it does not hold it. A leader paused past its lease wakes into a skipped pass, not
 * an assignment; its store writes are refused by the gated store as well.
 */
export function leaderGatedPasses(coordinator: Coordinator, gate: LeaderGate): LoopTarget {
  return {
    get clock() {
      return coordinator.clock;
    },
    tick: async (limit?: number) => (gate.holds() ? coordinator.tick(limit) : { assigned: 0, reaped: 0 }),
    nextDeadline: () => coordinator.nextDeadline(),
  };
}
