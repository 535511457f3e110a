import { describe, expect, it } from "vitest";
import { choosePool, DEFAULT_POOL_WEIGHTS, eligiblePools, isEligible, poolExclusions, rankPool, type ScorablePool } from "./index.js";

const pool = (name: string, overrides: Partial<ScorablePool> = {}): ScorablePool => ({
  name,
  capabilities: ["lang:ts"],
  capacity: 4,
  inFlight: 0,
  costPerHour: 1,
  health: "ok",
  paused: false,
  ...overrides,
});
const tsJob = { capabilities: ["lang:ts"] };

describe("the hard filter", () => {
  it("requires the pool's capabilities to be a superset of the job's", () => {
    expect(isEligible(["lang:ts"], pool("a", { capabilities: ["lang:ts", "gpu"] }))).toBe(true);
    expect(isEligible(["lang:ts", "gpu"], pool("a"))).toBe(false);
    expect(isEligible([], pool("a", { capabilities: [] }))).toBe(true);
  });

  it("excludes paused and down pools but keeps degraded and full ones", () => {
    expect(isEligible(["lang:ts"], pool("a", { paused: true }))).toBe(false);
    expect(isEligible(["lang:ts"], pool("a", { health: "down" }))).toBe(false);
    expect(isEligible(["lang:ts"], pool("a", { health: "degraded" }))).toBe(true);
    expect(isEligible(["lang:ts"], pool("a", { inFlight: 4 }))).toBe(true);
  });

  it("lists every reason a pool is out, missing capabilities included", () => {
    const full = pool("a", { paused: true, health: "down", inFlight: 4, capabilities: ["lang:ts"] });
    expect(poolExclusions(["lang:ts", "gpu", "gpu", "xcode"], full)).toEqual([
      { reason: "missing-capabilities", missing: ["gpu", "xcode"] },
      { reason: "paused" },
      { reason: "down" },
      { reason: "no-headroom", inFlight: 4, capacity: 4 },
    ]);
    expect(poolExclusions(["lang:ts"], pool("b"))).toEqual([]);
  });

  it("eligiblePools keeps only pools passing the hard filter", () => {
    const pools = [pool("a"), pool("b", { paused: true }), pool("c", { capabilities: ["lang:py"] }), pool("d", { inFlight: 9 })];
    expect(eligiblePools(tsJob, pools).map((p) => p.name)).toEqual(["a", "d"]);
  });
});

describe("pool ranking terms", () => {
  it("fit: 1 minus the share of the pool's capabilities the job does not need", () => {
    const r = rankPool(tsJob, pool("gpu", { capabilities: ["lang:ts", "gpu", "cuda", "os:linux"] }), 1);
    expect(r.inputs.fit).toBe(0.25);
    expect(r.inputs.unneededCapabilities).toBe(3);
    expect(r.terms.fit).toBe(DEFAULT_POOL_WEIGHTS.fit * 0.25);
  });

  it("headroom: the free share of the capacity window", () => {
    expect(rankPool(tsJob, pool("a", { capacity: 4, inFlight: 1 }), 1).inputs.headroom).toBe(0.75);
    expect(rankPool(tsJob, pool("a", { capacity: 0 }), 1).inputs.headroom).toBe(0);
  });

  it("cost: cheaper is better, relative to the most expensive candidate", () => {
    expect(rankPool(tsJob, pool("a", { costPerHour: 2 }), 8).inputs.cost).toBe(0.75);
    expect(rankPool(tsJob, pool("a", { costPerHour: 8 }), 8).inputs.cost).toBe(0);
    expect(rankPool(tsJob, pool("a", { costPerHour: 0 }), 0).inputs.cost).toBe(1);
  });

  it("health: ok 1, degraded 0.5", () => {
    expect(rankPool(tsJob, pool("a"), 1).inputs.health).toBe(1);
    expect(rankPool(tsJob, pool("a", { health: "degraded" }), 1).inputs.health).toBe(0.5);
  });

  it("total is the sum of the weighted terms", () => {
    const r = rankPool(tsJob, pool("a", { inFlight: 2, costPerHour: 1, health: "degraded" }), 2);
    expect(r.total).toBe(r.terms.fit + r.terms.headroom + r.terms.cost + r.terms.health);
    expect(r.terms).toEqual({ fit: 4, headroom: 1, cost: 0.5, health: 1 });
  });
});

describe("choosePool", () => {
  it("keeps a generic job off a specialised pool", () => {
    const choice = choosePool(tsJob, [pool("gpu", { capabilities: ["lang:ts", "gpu"] }), pool("general")]);
    expect(choice?.pool.name).toBe("general");
    expect(choice?.ranking.map((r) => r.pool)).toEqual(["general", "gpu"]);
  });

  it("sends a job to the only pool that has what it needs", () => {
    const choice = choosePool({ capabilities: ["lang:ts", "gpu"] }, [pool("general"), pool("gpu", { capabilities: ["lang:ts", "gpu"], costPerHour: 9 })]);
    expect(choice?.pool.name).toBe("gpu");
  });

  it("prefers headroom, health and price among equally fitting pools", () => {
    expect(choosePool(tsJob, [pool("busy", { inFlight: 3 }), pool("idle")])?.pool.name).toBe("idle");
    expect(choosePool(tsJob, [pool("sick", { health: "degraded" }), pool("well")])?.pool.name).toBe("well");
    expect(choosePool(tsJob, [pool("dear", { costPerHour: 5 }), pool("cheap", { costPerHour: 1 })])?.pool.name).toBe("cheap");
  });

  it("skips full, paused, down and incapable pools, and returns undefined when nothing is left", () => {
    const pools = [pool("full", { inFlight: 4 }), pool("paused", { paused: true }), pool("down", { health: "down" }), pool("py", { capabilities: ["lang:py"] })];
    expect(choosePool(tsJob, pools)).toBeUndefined();
    expect(choosePool(tsJob, [...pools, pool("ok", { inFlight: 3 })])?.pool.name).toBe("ok");
    expect(choosePool(tsJob, [])).toBeUndefined();
  });

  it("breaks exact ties by pool name, whatever the input order", () => {
    expect(choosePool(tsJob, [pool("b"), pool("a"), pool("c")])?.pool.name).toBe("a");
    expect(choosePool(tsJob, [pool("c"), pool("b"), pool("a")])?.ranking.map((r) => r.pool)).toEqual(["a", "b", "c"]);
  });

  it("merges option weights per field over the defaults", () => {
    const pools = [pool("dear", { costPerHour: 10 }), pool("cheap-busy", { costPerHour: 1, inFlight: 3 })];
    expect(choosePool(tsJob, pools)?.pool.name).toBe("dear");
    const choice = choosePool(tsJob, pools, { weights: { cost: 100 } });
    expect(choice?.pool.name).toBe("cheap-busy");
    expect(choice?.ranking[0]?.terms.fit).toBe(DEFAULT_POOL_WEIGHTS.fit);
  });

  it("returns the very pool object it was given", () => {
    const chosen = pool("a");
    expect(choosePool(tsJob, [chosen])?.pool).toBe(chosen);
  });
});
