import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PRIORITY_RANK, type Priority } from "../../contracts/index.js";
import { choosePool, DEFAULT_WEIGHTS, explainJob, isEligible, resolveWeights, type ScorableJob, type ScorablePool, scoreJob } from "./index.js";

const CAPS = ["os:linux", "lang:ts", "lang:py", "gpu", "xcode"];
const priority = fc.constantFrom<Priority>("critical", "high", "medium", "low");
const caps = fc.subarray(CAPS);
const NOW = 1_000_000_000;
const job = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  productId: fc.constant("acme"),
  priority,
  capabilities: caps,
  queuedAt: fc.integer({ min: NOW - 3 * 3600_000, max: NOW }),
  retries: fc.integer({ min: 0, max: 5 }),
});
const pool = fc.record({
  name: fc.constantFrom("a", "b", "c", "d"),
  capabilities: caps,
  capacity: fc.integer({ min: 0, max: 10 }),
  inFlight: fc.integer({ min: 0, max: 12 }),
  costPerHour: fc.double({ min: 0, max: 10, noNaN: true }),
  health: fc.constantFrom<"ok" | "degraded" | "down">("ok", "degraded", "down"),
  paused: fc.boolean(),
});
const weights = fc.record({
  age: fc.double({ min: 0, max: 10, noNaN: true }),
  priority: fc.double({ min: 0, max: 100, noNaN: true }),
  retries: fc.double({ min: -10, max: 10, noNaN: true }),
  capabilities: fc.double({ min: 0, max: 10, noNaN: true }),
});
const RUNS = { numRuns: 300 };

describe("the pure scorer (properties)", () => {
  afterEach(() => vi.useRealTimers());

  it("never assigns a job to a pool whose capabilities are not a superset of its own", () => {
    fc.assert(
      fc.property(job, fc.array(pool, { maxLength: 6 }), (j, pools) => {
        const choice = choosePool(j, pools);
        if (choice === undefined) return;
        for (const capability of j.capabilities) expect(choice.pool.capabilities).toContain(capability);
      }),
      RUNS,
    );
  });

  it("at equal age, retries, capabilities and pool, a higher priority never scores lower", () => {
    fc.assert(
      fc.property(job, priority, priority, fc.option(pool, { nil: undefined }), weights, (j, p1, p2, p, w) => {
        const [hi, lo] = PRIORITY_RANK[p1] >= PRIORITY_RANK[p2] ? [p1, p2] : [p2, p1];
        const ctx = { now: NOW, weights: w };
        const high = scoreJob({ ...j, priority: hi }, p, ctx).total;
        const low = scoreJob({ ...j, priority: lo }, p, ctx).total;
        // Equal when starvation lifts the lower one to critical; allow float rounding only.
        expect(high).toBeGreaterThanOrEqual(low - Math.abs(low) * 1e-12);
      }),
      RUNS,
    );
  });

  it("never decreases as a job ages (with a non-negative age weight)", () => {
    fc.assert(
      fc.property(job, fc.integer({ min: 0, max: 7200_000 }), fc.option(pool, { nil: undefined }), weights, (j, extra, p, w) => {
        const older: ScorableJob = { ...j, queuedAt: j.queuedAt - extra };
        expect(scoreJob(older, p, { now: NOW, weights: w }).total).toBeGreaterThanOrEqual(scoreJob(j, p, { now: NOW, weights: w }).total - 1e-9);
      }),
      RUNS,
    );
  });

  it("has a total equal to the sum of its terms", () => {
    fc.assert(
      fc.property(job, fc.option(pool, { nil: undefined }), weights, (j, p, w) => {
        const { total, terms } = scoreJob(j, p, { now: NOW, weights: w });
        expect(total).toBeCloseTo(terms.age + terms.priority + terms.retries + terms.capabilities + terms.starvation, 9);
      }),
      RUNS,
    );
  });

  it("is pure: the same inputs give the same output whatever the wall clock says", () => {
    fc.assert(
      fc.property(job, fc.array(pool, { maxLength: 4 }), (j, pools) => {
        vi.useFakeTimers({ now: 0 });
        const first = JSON.stringify(explainJob(j, pools, { now: NOW, productId: "acme" }));
        vi.setSystemTime(9_999_999_999);
        expect(JSON.stringify(explainJob(j, pools, { now: NOW, productId: "acme" }))).toBe(first);
        vi.useRealTimers();
      }),
      { numRuns: 100 },
    );
  });

  it("chooses no pool exactly when no eligible pool has headroom", () => {
    fc.assert(
      fc.property(job, fc.array(pool, { maxLength: 6 }), (j, pools: ScorablePool[]) => {
        const anyRoom = pools.some((p) => isEligible(j.capabilities, p) && p.inFlight < p.capacity);
        expect(choosePool(j, pools) !== undefined).toBe(anyRoom);
      }),
      RUNS,
    );
  });
});

describe("the pure scorer (examples)", () => {
  const base: ScorableJob = { id: "j", productId: "acme", priority: "medium", capabilities: ["lang:ts"], queuedAt: NOW, retries: 0 };

  it("resolves weights per field: request override, then the product registry, then defaults", () => {
    const resolved = resolveWeights({ productId: "acme", override: { age: 3 }, productRegistry: { acme: { age: 2, priority: 20 } } });
    expect(resolved.weights).toEqual({ ...DEFAULT_WEIGHTS, age: 3, priority: 20 });
    expect(resolved.sources).toEqual({ age: "override", priority: "product", retries: "default", capabilities: "default" });
  });

  it("boosts a starving job to compete as critical after 30 minutes", () => {
    const low: ScorableJob = { ...base, priority: "low", queuedAt: NOW - 31 * 60_000 };
    const score = scoreJob(low, undefined, { now: NOW, weights: DEFAULT_WEIGHTS });
    expect(score.terms.starvation).toBe(DEFAULT_WEIGHTS.priority * PRIORITY_RANK.critical);
    expect(score.inputs.starving).toBe(true);
  });

  it("prefers the best-fitting pool and explains why others are out", () => {
    const pools: ScorablePool[] = [
      { name: "gpu", capabilities: ["lang:ts", "gpu"], capacity: 4, inFlight: 0, costPerHour: 6, health: "ok", paused: false },
      { name: "ts", capabilities: ["lang:ts"], capacity: 4, inFlight: 0, costPerHour: 1, health: "ok", paused: false },
      { name: "py", capabilities: ["lang:py"], capacity: 4, inFlight: 0, costPerHour: 1, health: "ok", paused: false },
    ];
    expect(choosePool(base, pools)?.pool.name).toBe("ts");
    const explanation = explainJob(base, pools, { now: NOW, productId: "acme" });
    expect(explanation.chosenPool).toBe("ts");
    expect(explanation.pools.find((p) => p.pool === "py")).toMatchObject({ eligible: false, why: { reason: "missing-capabilities", missing: ["lang:ts"] } });
  });
});
