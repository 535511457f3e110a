import { describe, expect, it } from "vitest";
import { DEFAULT_WEIGHTS, explainJob, type ScorableJob, type ScorablePool, scoreJob } from "./index.js";

const NOW = 1_700_000_000_000;
const job: ScorableJob = { id: "j1", productId: "acme", priority: "medium", capabilities: ["lang:ts"], queuedAt: NOW - 10 * 60_000, retries: 1 };
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
const pools = [
  pool("gpu", { capabilities: ["lang:ts", "gpu"], costPerHour: 6 }),
  pool("general"),
  pool("py", { capabilities: ["lang:py"] }),
  pool("paused", { paused: true }),
  pool("down", { health: "down" }),
  pool("full", { inFlight: 4 }),
];

describe("explainJob", () => {
  const explanation = explainJob(job, pools, {
    now: NOW,
    override: { age: 3 },
    productRegistry: { acme: { age: 2, priority: 20 }, other: { retries: -9 } },
  });

  it("reports the resolved weights, where each field came from, and the levels merged", () => {
    expect(explanation.productId).toBe("acme");
    expect(explanation.weights.weights).toEqual({ age: 3, priority: 20, retries: -2, capabilities: 5 });
    expect(explanation.weights.sources).toEqual({ age: "override", priority: "product", retries: "default", capabilities: "default" });
    expect(explanation.weights.layers).toEqual({ override: { age: 3 }, product: { age: 2, priority: 20 }, defaults: DEFAULT_WEIGHTS });
  });

  it("scores the job against every eligible pool with every term, and only those", () => {
    const scored = explanation.pools.filter((p) => p.score !== null).map((p) => p.pool);
    expect(scored).toEqual(["gpu", "general", "full"]);
    const general = explanation.pools.find((p) => p.pool === "general");
    expect(general?.score).toEqual(scoreJob(job, pools[1], { now: NOW, weights: explanation.weights.weights }));
    expect(Object.keys(general?.score?.terms ?? {}).sort()).toEqual(["age", "capabilities", "priority", "retries", "starvation"]);
  });

  it("says why each other pool is out", () => {
    const why = Object.fromEntries(explanation.pools.map((p) => [p.pool, p.exclusions]));
    expect(why).toEqual({
      gpu: [],
      general: [],
      py: [{ reason: "missing-capabilities", missing: ["lang:ts"] }],
      paused: [{ reason: "paused" }],
      down: [{ reason: "down" }],
      full: [{ reason: "no-headroom", inFlight: 4, capacity: 4 }],
    });
    expect(explanation.pools.find((p) => p.pool === "full")).toMatchObject({ eligible: true, hasHeadroom: false, ranking: null });
    expect(explanation.pools.find((p) => p.pool === "py")).toMatchObject({ eligible: false, score: null, ranking: null });
  });

  it("names the chosen pool and ranks the candidates", () => {
    expect(explanation.chosenPool).toBe("general");
    expect(explanation.ranking.map((r) => r.pool)).toEqual(["general", "gpu"]);
    expect(explanation.pools.filter((p) => p.chosen).map((p) => p.pool)).toEqual(["general"]);
    expect(explanation.poolWeights).toEqual({ fit: 4, headroom: 2, cost: 1, health: 2 });
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation);
  });

  it("chooses nothing, with the reasons, when no pool can take the job", () => {
    const none = explainJob(job, [pool("full", { inFlight: 4 })], { now: NOW });
    expect(none.chosenPool).toBeNull();
    expect(none.ranking).toEqual([]);
    expect(none.pools[0]?.exclusions).toEqual([{ reason: "no-headroom", inFlight: 4, capacity: 4 }]);
    expect(none.weights.layers).toEqual({ override: null, product: null, defaults: DEFAULT_WEIGHTS });
  });

  it("uses the starvation threshold it is given, as the scheduler does", () => {
    const starving = explainJob(job, [pool("general")], { now: NOW, starvationAfterMs: 60_000 });
    expect(starving.starvationAfterMs).toBe(60_000);
    expect(starving.pools[0]?.score?.inputs.starving).toBe(true);
    expect(explainJob(job, [pool("general")], { now: NOW }).pools[0]?.score?.inputs.starving).toBe(false);
  });
});
