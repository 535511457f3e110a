import { describe, expect, it } from "vitest";
import { PRIORITY_RANK } from "../../contracts/index.js";
import { capabilityBonusOf, DEFAULT_STARVATION_AFTER_MS, DEFAULT_WEIGHTS, type ScorableJob, type ScoreWeights, scoreJob } from "./index.js";

const NOW = 1_700_000_000_000;
const MINUTE = 60_000;
const ZERO: ScoreWeights = { age: 0, priority: 0, retries: 0, capabilities: 0 };
const job: ScorableJob = { id: "j1", productId: "acme", priority: "medium", capabilities: ["lang:ts"], queuedAt: NOW, retries: 0 };

describe("scoreJob terms", () => {
  it("age: weight x minutes queued", () => {
    const score = scoreJob({ ...job, queuedAt: NOW - 90 * MINUTE }, undefined, { now: NOW, weights: { ...ZERO, age: 2 } });
    expect(score.inputs.ageMinutes).toBe(90);
    expect(score.terms.age).toBe(180);
  });

  it("age: a queuedAt in the future counts as zero, not negative", () => {
    const score = scoreJob({ ...job, queuedAt: NOW + 10 * MINUTE }, undefined, { now: NOW, weights: DEFAULT_WEIGHTS });
    expect(score.inputs.ageMinutes).toBe(0);
    expect(score.terms.age).toBe(0);
    expect(score.terms.starvation).toBe(0);
  });

  it("priority: weight x rank (critical 3 ... low 0)", () => {
    const weights = { ...ZERO, priority: 10 };
    expect(scoreJob({ ...job, priority: "critical" }, undefined, { now: NOW, weights }).terms.priority).toBe(30);
    expect(scoreJob({ ...job, priority: "high" }, undefined, { now: NOW, weights }).terms.priority).toBe(20);
    expect(scoreJob({ ...job, priority: "medium" }, undefined, { now: NOW, weights }).terms.priority).toBe(10);
    expect(scoreJob({ ...job, priority: "low" }, undefined, { now: NOW, weights }).terms.priority).toBe(0);
  });

  it("retries: the default weight makes every retry cost 2 points", () => {
    const score = scoreJob({ ...job, retries: 3 }, undefined, { now: NOW, weights: DEFAULT_WEIGHTS });
    expect(score.terms.retries).toBe(-6);
  });

  it("capabilities: the share of the pool's capabilities the job uses", () => {
    const pool = { capabilities: ["lang:ts", "gpu", "os:linux", "xcode"] };
    const score = scoreJob({ ...job, capabilities: ["lang:ts", "gpu"] }, pool, { now: NOW, weights: { ...ZERO, capabilities: 5 } });
    expect(score.inputs.capabilityBonus).toBe(0.5);
    expect(score.terms.capabilities).toBe(2.5);
  });

  it("capabilities: 0 without a pool, with a pool that lists none, or for a job that needs none", () => {
    expect(capabilityBonusOf(["gpu"], undefined)).toBe(0);
    expect(capabilityBonusOf(["gpu"], { capabilities: [] })).toBe(0);
    expect(capabilityBonusOf([], { capabilities: ["gpu"] })).toBe(0);
    expect(capabilityBonusOf(["gpu", "gpu"], { capabilities: ["gpu", "gpu", "cpu"] })).toBe(0.5);
  });

  it("a specialised pool prefers the job that needs its capabilities", () => {
    const gpuPool = { capabilities: ["lang:ts", "gpu"] };
    const ctx = { now: NOW, weights: DEFAULT_WEIGHTS };
    const plain = scoreJob(job, gpuPool, ctx).total;
    const gpu = scoreJob({ ...job, capabilities: ["lang:ts", "gpu"] }, gpuPool, ctx).total;
    expect(gpu).toBeGreaterThan(plain);
  });

  it("total is the sum of the terms, and every term is reported", () => {
    const score = scoreJob({ ...job, queuedAt: NOW - 45 * MINUTE, retries: 1 }, { capabilities: ["lang:ts", "gpu"] }, { now: NOW, weights: DEFAULT_WEIGHTS });
    expect(Object.keys(score.terms).sort()).toEqual(["age", "capabilities", "priority", "retries", "starvation"]);
    // 45 + 10 x 1 + (-2) + 5 x 0.5 + 10 x (3 - 1)
    expect(score.terms).toEqual({ age: 45, priority: 10, retries: -2, capabilities: 2.5, starvation: 20 });
    expect(score.total).toBe(75.5);
  });
});

describe("anti-starvation", () => {
  const low: ScorableJob = { ...job, priority: "low" };

  it("does not boost at exactly the threshold, and boosts one millisecond after it", () => {
    const at = scoreJob({ ...low, queuedAt: NOW - DEFAULT_STARVATION_AFTER_MS }, undefined, { now: NOW, weights: DEFAULT_WEIGHTS });
    const after = scoreJob({ ...low, queuedAt: NOW - DEFAULT_STARVATION_AFTER_MS - 1 }, undefined, { now: NOW, weights: DEFAULT_WEIGHTS });
    expect(at.inputs.starving).toBe(false);
    expect(at.terms.starvation).toBe(0);
    expect(after.inputs.starving).toBe(true);
    expect(after.terms.starvation).toBe(DEFAULT_WEIGHTS.priority * PRIORITY_RANK.critical);
  });

  it("lifts a starving job's priority part to critical's", () => {
    for (const priority of ["critical", "high", "medium", "low"] as const) {
      const score = scoreJob({ ...job, priority, queuedAt: NOW - 31 * MINUTE }, undefined, { now: NOW, weights: DEFAULT_WEIGHTS });
      expect(score.terms.priority + score.terms.starvation).toBe(DEFAULT_WEIGHTS.priority * PRIORITY_RANK.critical);
    }
  });

  it("honours a custom threshold", () => {
    const ctx = { now: NOW, weights: DEFAULT_WEIGHTS, starvationAfterMs: 5 * MINUTE };
    const score = scoreJob({ ...low, queuedAt: NOW - 6 * MINUTE }, undefined, ctx);
    expect(score.inputs).toMatchObject({ starving: true, starvationAfterMs: 5 * MINUTE });
  });

  it("lets a starved low job overtake a stream of fresh high-priority work", () => {
    const ctx = { now: NOW, weights: DEFAULT_WEIGHTS };
    const starved = scoreJob({ ...low, queuedAt: NOW - 31 * MINUTE }, undefined, ctx).total;
    const freshHigh = scoreJob({ ...job, priority: "high", queuedAt: NOW }, undefined, ctx).total;
    const freshCritical = scoreJob({ ...job, priority: "critical", queuedAt: NOW }, undefined, ctx).total;
    expect(starved).toBeGreaterThan(freshHigh);
    expect(starved).toBeGreaterThan(freshCritical);
  });

  it("never pushes a starving job down when the priority weight is negative", () => {
    const score = scoreJob({ ...low, queuedAt: NOW - 60 * MINUTE }, undefined, { now: NOW, weights: { ...DEFAULT_WEIGHTS, priority: -10 } });
    expect(score.terms.starvation).toBe(0);
  });
});
