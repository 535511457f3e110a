import { describe, expect, it } from "vitest";
import type { Invariant } from "../history/violation.js";
import { PLANTED_BUGS, type PlantedBug } from "./planted-bugs.js";
import { runSimulation } from "./simulation.js";

/** The invariant each planted bug breaks, and how many seeds (from 1) may pass before it shows. */
const EXPECTED: Record<Exclude<PlantedBug, "fencing-disabled">, { invariant: Invariant; seeds: number }> = {
  "double-accept": { invariant: "concurrent-execution", seeds: 10 },
  "publish-before-commit": { invariant: "publish-without-commit", seeds: 5 },
  "forget-epochs": { invariant: "epoch-regression", seeds: 20 },
  "rebuild-running-as-queued": { invariant: "illegal-transition", seeds: 20 },
  "ignore-lost-lease": { invariant: "stalled-worker-kept-working", seeds: 20 },
  "monitor-reads-live-queue": { invariant: "healthy-dead-lettered", seeds: 5 },
  "replay-twice": { invariant: "replay-not-once", seeds: 10 },
  "forget-pauses-on-restart": { invariant: "assigned-while-paused", seeds: 15 },
  "forget-spend-on-restart": { invariant: "spend-mismatch", seeds: 5 },
  "forget-not-before-on-restart": { invariant: "assigned-before-not-before", seeds: 15 },
  "schedule-skips-after-restart": { invariant: "schedule-occurrence-skipped", seeds: 5 },
  "preemption-drops-checkpoint": { invariant: "checkpoint-lost", seeds: 5 },
};

describe("the history checker catches every planted bug, naming the invariant it breaks", () => {
  for (const [bug, { invariant, seeds }] of Object.entries(EXPECTED) as [keyof typeof EXPECTED, (typeof EXPECTED)[keyof typeof EXPECTED]][]) {
    it(`${bug} (${PLANTED_BUGS[bug]}) → ${invariant}`, async () => {
      let caughtOn: number | undefined;
      for (let seed = 1; seed <= seeds && caughtOn === undefined; seed++) {
        const result = await runSimulation({ seed, jobs: 30, fencing: true, bug });
        if (result.check.violations.some((v) => v.invariant === invariant)) caughtOn = seed;
      }
      expect(caughtOn, `no seed in 1..${seeds} exposed ${bug}`).toBeDefined();
      // The same seeds without the bug hold every invariant: the checker flagged the bug, not the seed.
      const clean = await runSimulation({ seed: caughtOn!, jobs: 30, fencing: true });
      expect(clean.check.violations).toEqual([]);
    }, 60_000);
  }
});
