import { describe, expect, it } from "vitest";
import type { CheckHistoryInput } from "./check-history.js";
import { Script } from "./history-script.js";
import type { Invariant } from "./violation.js";

const invariants = (script: Script, overrides: Partial<CheckHistoryInput> = {}): Invariant[] => [...new Set(script.check(overrides).violations.map((v) => v.invariant))];

/** The life of a job that ships once, cleanly. */
const clean = () => new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(300).ship("a1", 1);

describe("the history checker", () => {
  it("passes a clean life and reports its figures", () => {
    const result = clean().check();
    expect(result.violations).toEqual([]);
    expect(result.figures).toMatchObject({ submitted: 1, shipped: 1, lost: 0, duplicateCompletions: 0, leasesGranted: 1, publishes: 1 });
  });

  it("finds a lost job, an unexpected one and a duplicate completion", () => {
    expect(invariants(new Script().submit().at(100).assign(1).publish(1))).toContain("lost");
    expect(invariants(clean().commit({ stage: "queued", events: ["submitted"], eventActor: "coordinator" }, "j2", "nobody-submitted-this"))).toContain("unexpected");
    // Two workers told their shipped release was accepted, for two attempts.
    const twice = clean().call("a0", "release", 0, "ok", undefined, undefined, "shipped");
    expect(invariants(twice)).toEqual(["duplicate-completion"]);
  });

  it("finds two agents executing the same attempt at once", () => {
    const script = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(250).call("a2", "accept", 1, "ok").at(300).ship("a1", 1);
    expect(invariants(script)).toContain("concurrent-execution");
    // Refused with LEASE_TAKEN, the second agent never executes.
    const refused = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(250).call("a2", "accept", 1, "fail", undefined, "LEASE_TAKEN").at(300).ship("a1", 1);
    expect(refused.check().violations).toEqual([]);
  });

  it("finds a stage path the transition table forbids, and an epoch that went down or stayed on requeue", () => {
    const reassignedWhileRunning = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(300).assign(2);
    expect(invariants(reassignedWhileRunning)).toContain("illegal-transition");
    const forgotten = clean().commit({ stage: "queued", epoch: 0, events: ["requeued"], eventActor: "operator", reason: "requeued by operator" });
    expect(invariants(forgotten)).toEqual(expect.arrayContaining(["epoch-regression"]));
    const kept = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(300).commit({ stage: "queued", events: ["requeued"], eventActor: "coordinator", factoryId: null });
    expect(invariants(kept)).toContain("epoch-not-bumped");
  });

  it("finds a stale write the store accepted, judged on the state the call found", () => {
    const script = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(10_300);
    script.commit({ stage: "queued", epoch: 2, events: ["requeued"], eventActor: "coordinator", factoryId: null, reason: "lease expired" }).at(10_400).ship("a1", 1);
    expect(invariants(script)).toContain("stale-write");
    // Rejected, the same call is no stale write.
    const fenced = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(10_300);
    fenced.commit({ stage: "queued", epoch: 2, events: ["requeued"], eventActor: "coordinator", factoryId: null, reason: "lease expired" }).at(10_400).call("a1", "release", 1, "fail", undefined, "STALE_EPOCH");
    expect(invariants(fenced, { drainedInTime: true })).not.toContain("stale-write");
  });

  it("finds a publish without a committed assignment, and an assignment left unpublished past the bound", () => {
    const early = new Script().submit().at(100).publish(1).assign(1).at(200).accept("a1", 1).at(300).ship("a1", 1);
    expect(invariants(early)).toEqual(["publish-without-commit"]);
    const late = new Script().submit().at(100).assign(1).at(20_000).publish(1).at(20_100).accept("a1", 1).at(20_200).ship("a1", 1);
    expect(invariants(late, { healedAt: 0 })).toEqual(["outbox-lag"]);
    // Committed during an outage, published within the bound after the heal: fine.
    expect(invariants(late, { healedAt: 15_000 })).toEqual([]);
    expect(invariants(clean(), { relayPending: 2 })).toEqual(["outbox-not-drained"]);
  });

  it("finds healthy work dead-lettered and poison that was not", () => {
    const dead = new Script().submit().at(100).assign(1).at(200).accept("a1", 1).at(300).commit({ stage: "dead_letter", events: ["dead_letter"], eventActor: "coordinator", factoryId: null, reason: "LeaseLostRepeatedly" });
    expect(invariants(dead)).toContain("healthy-dead-lettered");
    const poison = new Script().submit("k1", "j1", true).at(100).assign(1).publish(1).at(200).accept("a1", 1).at(300).ship("a1", 1);
    expect(invariants(poison)).toContain("poison-not-dead-lettered");
  });

  it("finds a replay that ran twice, or did not complete", () => {
    const replayed = () => {
      const script = new Script().submit("k1", "j1", true).at(100).assign(1).at(200).accept("a1", 1).at(300);
      script.commit({ stage: "dead_letter", events: ["dead_letter"], eventActor: "coordinator", factoryId: null, reason: "LeaseLostRepeatedly" });
      script.at(400).history.instant({ kind: "replay", actor: "operator", jobId: "j1" });
      return script.commit({ stage: "queued", epoch: 2, events: ["requeued"], eventActor: "operator", reason: "replayed from dead letters" });
    };
    const once = replayed().at(500).assign(3).publish(3).at(600).accept("a2", 3).at(700).ship("a2", 3);
    expect(once.check().violations).toEqual([]);
    const twice = once.at(800).commit({ stage: "queued", epoch: 4, events: ["requeued"], eventActor: "operator", reason: "replayed from dead letters (stale list)" });
    expect(invariants(twice)).toContain("replay-not-once");
    const deadAgain = replayed().at(500).assign(3).publish(3).at(600).accept("a2", 3).at(700).commit({ stage: "dead_letter", events: ["dead_letter"], eventActor: "coordinator", factoryId: null, reason: "LeaseLostRepeatedly" });
    expect(invariants(deadAgain)).toEqual(expect.arrayContaining(["replay-not-once", "healthy-dead-lettered"]));
  });

  it("requires each worker paused past its lease to be fenced after it resumes, and to stop there", () => {
    const stalled = () => {
      const script = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(1000).fault("agent-pause", "a1");
      return script.at(10_200).commit({ stage: "queued", epoch: 2, events: ["requeued"], eventActor: "coordinator", factoryId: null, reason: "lease expired" }).at(25_000).fault("agent-resume", "a1");
    };
    const finish = (script: Script) => script.at(30_000).assign(3).publish(3).at(30_100).accept("a2", 3).at(30_200).ship("a2", 3);
    expect(finish(stalled().at(25_001).call("a1", "renew", 1, "fail", undefined, "STALE_EPOCH")).check().violations).toEqual([]);
    expect(invariants(finish(stalled()))).toContain("stalled-worker-not-fenced");
    const keptWorking = stalled().at(25_001).call("a1", "renew", 1, "fail", undefined, "STALE_EPOCH").at(25_500).call("a1", "report", 1, "fail", undefined, "STALE_EPOCH", "testing");
    expect(invariants(finish(keptWorking))).toEqual(["stalled-worker-kept-working"]);
    // A pause shorter than the lease needs no fencing, but proves nothing about stalled workers.
    const short = new Script().submit().at(100).assign(1).publish(1).at(200).accept("a1", 1).at(1000).fault("agent-pause", "a1").at(3000).fault("agent-resume", "a1").at(4000).ship("a1", 1);
    expect(invariants(short)).toEqual(["fault-did-not-fire"]);
  });

  it("reports liveness and faults that did not fire", () => {
    expect(invariants(clean(), { drainedInTime: false })).toEqual(["liveness"]);
    const poisonShipped = new Script().submit("k1", "j1", true).at(100).assign(1).publish(1).at(200).accept("a1", 1).at(300).ship("a1", 1);
    expect(invariants(poisonShipped)).toContain("fault-did-not-fire");
  });
});
