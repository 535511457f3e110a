import { describe, expect, it } from "vitest";
import { Script } from "./history-script.js";
import type { Invariant } from "./violation.js";

const invariants = (script: Script): Invariant[] => [...new Set(script.check().violations.map((v) => v.invariant))];

const DAY = 86_400_000;

/** A job of product acme that is assigned at `at` (pool general), accepted and shipped by `agent`,
 * its run reporting `costMicro` and accruing `accruedMicro` (its cost, unless a test says otherwise). */
function life(script: Script, jobId: string, at: number, costMicro = 1_000_000, accruedMicro = costMicro, agent = "a1"): Script {
  const key = `k-${jobId}`;
  script.at(at).submit(key, jobId, false, "acme").at(at + 1).assign(1, jobId, key).publish(1, jobId).at(at + 2).accept(agent, 1, jobId, key);
  return script.at(at + 3).release(agent, 1, "shipped", { costMicro }, () => script.commit({ stage: "shipped", events: ["shipped"], eventActor: "factory", factoryId: null, spendMicro: accruedMicro }, jobId, key), jobId);
}

describe("the history checker on the operators' levers", () => {
  it("finds an assignment committed after a product's or a pool's pause, and none once it was resumed", () => {
    expect(invariants(life(new Script().at(50).control("product", "acme", true, { mode: "finish" }), "j1", 100))).toEqual(["assigned-while-paused"]);
    expect(invariants(life(new Script().at(50).control("product", "acme", true, { mode: "stop" }).at(60).control("product", "acme", false), "j1", 100))).toEqual([]);
    expect(invariants(life(new Script().at(50).control("pool", "general", true, { mode: "drain" }), "j1", 100))).toEqual(["assigned-while-paused"]);
    expect(invariants(life(new Script().at(50).control("pool", "general", true).at(60).control("pool", "general", false), "j1", 100))).toEqual([]);
    // Another product's pause does not hold acme back.
    expect(invariants(life(new Script().at(50).control("product", "globex", true, { mode: "finish" }), "j1", 100))).toEqual([]);
  });

  it("finds an assignment after the spend in the window reached the ceiling, and none after the window rolled over", () => {
    const budgeted = () => new Script().at(10).control("product", "acme", false, { ceilingMicro: 2_000_000, window: "daily", windowStart: "1970-01-01" });
    // The first run's 2 USD reach the ceiling: the next assignment the same day is a violation.
    expect(invariants(life(life(budgeted(), "j0", 100, 2_000_000), "j1", 200))).toEqual(["assigned-while-paused"]);
    expect(invariants(life(life(budgeted(), "j0", 100, 1_999_999), "j1", 200))).toEqual([]);
    expect(invariants(life(life(budgeted(), "j0", 100, 2_000_000), "j1", DAY + 200))).toEqual([]);
    // Raised meanwhile: no longer paused.
    const raised = life(budgeted(), "j0", 100, 2_000_000).at(150).control("product", "acme", false, { ceilingMicro: 10_000_000, window: "daily", windowStart: "1970-01-01" });
    expect(invariants(life(raised, "j1", 200))).toEqual([]);
  });

  it("finds an assignment before the job's notBefore", () => {
    const delayed = (assignAt: number) =>
      new Script()
        .submit()
        .commit({ stage: "queued", notBefore: 5000 })
        .at(assignAt)
        .assign(1)
        .publish(1)
        .at(assignAt + 1)
        .accept("a1", 1)
        .at(assignAt + 2)
        .ship("a1", 1);
    expect(invariants(delayed(4999))).toEqual(["assigned-before-not-before"]);
    expect(invariants(delayed(5000))).toEqual([]);
  });

  it("requires every run's reported cost to be accrued exactly once, and every spend reading to be the sum of the runs ended in its window", () => {
    expect(invariants(life(new Script(), "j1", 100))).toEqual([]);
    // Accrued twice over, or not at all.
    expect(invariants(life(new Script(), "j1", 100, 1_000_000, 2_000_000))).toEqual(["spend-mismatch"]);
    expect(invariants(life(new Script(), "j1", 100, 1_000_000, 0))).toEqual(["spend-mismatch"]);
    // A retried release that found the run ended writes nothing and accrues nothing: fine.
    const retried = life(new Script(), "j1", 100).at(110).release("a1", 1, "shipped", { costMicro: 1_000_000 });
    expect(invariants(retried)).toEqual([]);
    // Spend moved by a write that ended no run.
    expect(invariants(life(new Script(), "j1", 100).at(120).commit({ stage: "shipped", spendMicro: 3_000_000 }, "j1", "k-j1"))).toEqual(["spend-mismatch"]);
    const read = (byDay: Record<string, number>, window = { startsAt: 0, endsAt: DAY }) => life(life(new Script(), "j1", 100), "j2", DAY + 100).at(DAY + 500).spendReading("acme", window, byDay);
    expect(invariants(read({ "1970-01-02": 1_000_000 }, { startsAt: DAY, endsAt: 2 * DAY }))).toEqual([]);
    expect(invariants(read({ "1970-01-01": 1_000_000, "1970-01-02": 1_000_000 }, { startsAt: 0, endsAt: 2 * DAY }))).toEqual([]);
    // The reading forgot the first day, or counted the second day's run in the first day's window.
    expect(invariants(read({ "1970-01-02": 1_000_000 }, { startsAt: 0, endsAt: 2 * DAY }))).toEqual(["spend-mismatch"]);
    expect(invariants(read({ "1970-01-01": 2_000_000 }))).toEqual(["spend-mismatch"]);
  });

  it("requires every occurrence a schedule owes to be submitted once, excusing its pauses and overlap skips", () => {
    // Every minute from t = 0, deleted at 150 s: it owes the occurrences at 60 s and 120 s.
    const occurrence = (script: Script, at: number, jobId = `s${at}`) => script.at(at + 10).commit({ stage: "queued", events: ["submitted"], eventActor: "coordinator", productId: "acme" }, jobId, `schedule:sweep:${at}`);
    const finish = (script: Script, jobId: string, at: number) =>
      script
        .at(at)
        .assign(1, jobId, `schedule:sweep:${jobId.slice(1)}`)
        .publish(1, jobId)
        .at(at + 1)
        .accept("a1", 1, jobId, `schedule:sweep:${jobId.slice(1)}`)
        .at(at + 2)
        .ship("a1", 1, jobId, `schedule:sweep:${jobId.slice(1)}`);
    const both = () => {
      const script = new Script().schedule();
      finish(occurrence(script, 60_000), "s60000", 61_000);
      return finish(occurrence(script, 120_000), "s120000", 121_000).at(150_000).schedule({ deleted: true });
    };
    expect(invariants(both())).toEqual([]);
    const missing = new Script().schedule();
    finish(occurrence(missing, 60_000), "s60000", 61_000).at(150_000).schedule({ deleted: true });
    expect(invariants(missing)).toEqual(["schedule-occurrence-skipped"]);
    // Two jobs under one occurrence's key.
    const twice = both();
    finish(occurrence(twice, 60_000, "s60000-copy"), "s60000-copy", 152_000);
    expect(invariants(twice)).toContain("schedule-submitted-twice");
    // Paused over 120 s: not owed. A job for it anyway is unexpected.
    const paused = new Script().schedule();
    finish(occurrence(paused, 60_000), "s60000", 61_000).at(100_000).schedule({ paused: true }).at(150_000).schedule({ deleted: true });
    expect(invariants(paused)).toEqual([]);
    const submittedWhilePaused = new Script().schedule();
    finish(occurrence(submittedWhilePaused, 60_000), "s60000", 61_000).at(100_000).schedule({ paused: true });
    finish(occurrence(submittedWhilePaused, 120_000), "s120000", 121_000).at(150_000).schedule({ deleted: true });
    expect(invariants(submittedWhilePaused)).toEqual(["unexpected"]);
    // Overlap skip: excused while the previous occurrence's job was still active, not after it ended.
    const overlapping = new Script().schedule({ overlap: "skip" });
    occurrence(overlapping, 60_000).at(120_100).schedule({ overlap: "skip", lastSkippedAt: 120_000 });
    finish(overlapping, "s60000", 121_000).at(150_000).schedule({ overlap: "skip", deleted: true });
    expect(invariants(overlapping)).toEqual([]);
    const ended = new Script().schedule({ overlap: "skip" });
    finish(occurrence(ended, 60_000), "s60000", 61_000).at(120_100).schedule({ overlap: "skip", lastSkippedAt: 120_000 }).at(150_000).schedule({ overlap: "skip", deleted: true });
    expect(invariants(ended)).toEqual(["schedule-occurrence-skipped"]);
  });

  it("requires a preempted job to be requeued with its victim's checkpoint, and its next attempt to start from it", () => {
    const preempted = (requeuedWith: string | null, resumedFrom: string | undefined) => {
      const script = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).engineStart("a1", 1);
      script.at(300).release("a1", 1, "drained", { costMicro: 500_000, checkpoint: "wip/j1/epoch-1" }, () =>
        script.commit({ stage: "queued", epoch: 2, events: ["requeued", "preempted"], eventActor: "coordinator", factoryId: null, spendMicro: 500_000, checkpoint: requeuedWith }),
      );
      return script.at(400).assign(3).publish(3).at(500).accept("a2", 3).engineStart("a2", 3, resumedFrom).at(600).ship("a2", 3);
    };
    expect(preempted("wip/j1/epoch-1", "wip/j1/epoch-1").check().violations).toEqual([]);
    expect(invariants(preempted(null, undefined))).toEqual(["checkpoint-lost"]);
    expect(invariants(preempted("wip/j1/epoch-1", undefined))).toEqual(["checkpoint-lost"]);
    const figures = preempted("wip/j1/epoch-1", "wip/j1/epoch-1").check().figures.levers.checkpoints;
    expect(figures).toMatchObject({ drainedReleases: 1, preemptions: 1, resumedFromCheckpoint: 1 });
  });
});
