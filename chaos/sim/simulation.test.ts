import { describe, expect, it } from "vitest";
import { runSimulation } from "./simulation.js";

const replay = (seed: number, extra = "") => `npm run chaos -- sim --seeds ${seed}..${seed}${extra}`;

describe("deterministic simulation", () => {
  it("holds every invariant on 200 seeds, with the faults firing and every lever pulled", async () => {
    const failures: string[] = [];
    const fired = { fenced: 0, deadLetters: 0, crashes: 0, kills: 0, stalledFenced: 0, replays: 0 };
    const levers = { finish: 0, drain: 0, stop: 0, poolPauses: 0, poolDrains: 0, ceilings: 0, preemptions: 0, resumed: 0, occurrences: 0, late: 0, overlapSkips: 0, readings: 0, accrued: 0, delayed: 0 };
    for (let seed = 1; seed <= 200; seed++) {
      const result = await runSimulation({ seed, jobs: 30, fencing: true });
      if (!result.check.ok) failures.push(`seed ${seed}: ${result.check.violations.map((v) => v.message).join("; ")} (replay: ${replay(seed)})`);
      fired.fenced += result.check.figures.fencedRejections;
      fired.deadLetters += Object.values(result.check.figures.deadLettered).reduce((a, b) => a + b, 0);
      fired.crashes += result.check.figures.coordinatorCrashes;
      fired.kills += result.check.figures.agentKills;
      fired.stalledFenced += result.check.figures.stalledFenced;
      fired.replays += result.check.figures.replays;
      const { pauses, checkpoints, schedules, spend, delayedAssignments } = result.check.figures.levers;
      levers.finish += pauses.productPauses.finish ?? 0;
      levers.drain += pauses.productPauses.drain ?? 0;
      levers.stop += pauses.productPauses.stop ?? 0;
      levers.poolPauses += pauses.poolPauses;
      levers.poolDrains += pauses.poolDrains;
      levers.ceilings += pauses.ceilingsReached;
      levers.preemptions += checkpoints.preemptions;
      levers.resumed += checkpoints.resumedFromCheckpoint;
      levers.occurrences += schedules.submitted;
      levers.late += schedules.late;
      levers.overlapSkips += schedules.skippedForOverlap;
      levers.readings += spend.readings;
      levers.accrued += spend.accruedMicro;
      levers.delayed += delayedAssignments;
      expect(result.check.figures.lost).toBe(0);
      expect(result.check.figures.duplicateCompletions).toBe(0);
      expect(result.check.figures.staleWritesAccepted).toBe(0);
    }
    expect(failures).toEqual([]);
    expect(fired.fenced).toBeGreaterThan(0);
    expect(fired.deadLetters).toBeGreaterThan(0);
    expect(fired.crashes).toBeGreaterThan(0);
    expect(fired.kills).toBeGreaterThan(0);
    expect(fired.stalledFenced).toBeGreaterThan(0);
    expect(fired.replays).toBe(fired.deadLetters);
    // Every lever was pulled somewhere in the slice, and the lever invariants had work to judge:
    // pauses in each mode, budgets reached, preemptions resumed from their checkpoints, schedule
    // occurrences late after a crash and skipped under overlap, spend read back.
    for (const [lever, count] of Object.entries(levers)) expect(count, lever).toBeGreaterThan(0);
  }, 120_000);

  it("replays a seed to the identical history", async () => {
    const a = await runSimulation({ seed: 42, jobs: 30, fencing: true });
    const b = await runSimulation({ seed: 42, jobs: 30, fencing: true });
    const c = await runSimulation({ seed: 43, jobs: 30, fencing: true });
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it("never dead-letters healthy work under a storm of agent kills (every attempt in the fault phase draws a kill), though it loses leases over and over", async () => {
    let unlucky = 0;
    for (let seed = 1; seed <= 3; seed++) {
      const result = await runSimulation({ seed, jobs: 30, fencing: true, faults: { agentKillRate: 1, poisonRate: 0 } });
      // More lost leases in a row than the retry policy allows attempts (max 3): the old rule dead-lettered these.
      unlucky += result.jobs.filter((job) => job.runs.filter((run) => run.result === "expired").length >= 4).length;
      expect(result.check.violations).toEqual([]);
      expect(result.jobs.every((job) => job.stage === "shipped")).toBe(true);
    }
    expect(unlucky).toBeGreaterThan(0);
  });

  it("catches a planted bug: with fencing disabled the checker reports the double completion and the seed", async () => {
    let caught: { seed: number; violations: string[] } | undefined;
    for (let seed = 1; seed <= 100 && caught === undefined; seed++) {
      const result = await runSimulation({ seed, jobs: 30, fencing: false });
      const { duplicateCompletions, staleWritesAccepted } = result.check.figures;
      if (duplicateCompletions > 0 && staleWritesAccepted > 0) caught = { seed, violations: result.check.violations.map((v) => v.invariant) };
    }
    expect(caught, "no seed in 1..100 exposed the planted bug").toBeDefined();
    expect(caught!.violations).toContain("duplicate-completion");
    expect(caught!.violations).toContain("stale-write");
    console.info(`planted bug caught on seed ${caught!.seed}; replay: ${replay(caught!.seed, " --no-fencing")}`);
  });
});
