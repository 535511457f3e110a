import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PRIORITY_RANK, type Priority } from "../../contracts/index.js";
import {
  choosePool,
  explainJob,
  hasHeadroom,
  isEligible,
  type PoolChoiceWeights,
  type ScorableJob,
  type ScorablePool,
  type ScoreWeights,
  scoreJob,
} from "./index.js";

const RUNS = { numRuns: 300 };
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const CAPABILITIES = ["os:linux", "lang:ts", "lang:py", "gpu", "xcode", "arm64"];

const priorityArb = fc.constantFrom<Priority>("critical", "high", "medium", "low");
const capabilitiesArb = fc.subarray(CAPABILITIES);
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const jobArb: fc.Arbitrary<ScorableJob> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  productId: fc.constantFrom("acme", "globex"),
  priority: priorityArb,
  capabilities: capabilitiesArb,
  // Includes jobs queued "in the future" (clock skew) and jobs well past the starvation threshold.
  queuedAt: fc.integer({ min: NOW - 4 * HOUR, max: NOW + HOUR }),
  retries: fc.integer({ min: 0, max: 8 }),
});

const poolArb: fc.Arbitrary<ScorablePool> = fc.record({
  name: fc.constantFrom("alpha", "beta", "gamma", "delta", "epsilon"),
  capabilities: capabilitiesArb,
  capacity: fc.integer({ min: 0, max: 10 }),
  inFlight: fc.integer({ min: 0, max: 12 }),
  costPerHour: finite(0, 20),
  health: fc.constantFrom<ScorablePool["health"]>("ok", "degraded", "down"),
  paused: fc.boolean(),
});
const poolsArb = fc.uniqueArray(poolArb, { selector: (pool) => pool.name, maxLength: 5 });
const maybePoolArb = fc.option(poolArb, { nil: undefined });

/** Any finite weights; the age weight is constrained per property where the contract needs it. */
const weightsArb = (age: fc.Arbitrary<number>, priority: fc.Arbitrary<number>): fc.Arbitrary<ScoreWeights> =>
  fc.record({ age, priority, retries: finite(-50, 50), capabilities: finite(-50, 50) });
const anyWeightsArb = weightsArb(finite(-50, 50), finite(-50, 50));
const poolWeightsArb: fc.Arbitrary<PoolChoiceWeights> = fc.record({ fit: finite(-10, 10), headroom: finite(-10, 10), cost: finite(-10, 10), health: finite(-10, 10) });
const starvationArb = fc.option(fc.integer({ min: 0, max: 2 * HOUR }), { nil: undefined });

describe("scorer properties", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("(a) never assigns a job to a pool whose capabilities are not a superset of its own", () => {
    fc.assert(
      fc.property(jobArb, poolsArb, poolWeightsArb, (job, pools, weights) => {
        const choice = choosePool(job, pools, { weights });
        if (choice === undefined) return;
        const offered = new Set(choice.pool.capabilities);
        expect(job.capabilities.every((capability) => offered.has(capability))).toBe(true);
        expect(choice.pool.paused).toBe(false);
        expect(choice.pool.health).not.toBe("down");
        for (const ranked of choice.ranking) {
          const pool = pools.find((p) => p.name === ranked.pool)!;
          expect(job.capabilities.every((capability) => pool.capabilities.includes(capability))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("(b) at equal age, retries, capabilities and pool, a higher priority never scores lower (w.priority >= 0)", () => {
    fc.assert(
      fc.property(jobArb, priorityArb, priorityArb, maybePoolArb, weightsArb(finite(-50, 50), finite(0, 100)), starvationArb, (job, p1, p2, pool, weights, starvationAfterMs) => {
        const [higher, lower] = PRIORITY_RANK[p1] >= PRIORITY_RANK[p2] ? [p1, p2] : [p2, p1];
        const ctx = { now: NOW, weights, starvationAfterMs };
        const high = scoreJob({ ...job, priority: higher }, pool, ctx);
        const low = scoreJob({ ...job, priority: lower }, pool, ctx);
        if (!low.inputs.starving) {
          expect(high.total).toBeGreaterThanOrEqual(low.total);
        } else {
          // Both starve at the same age and compete as critical: mathematically equal, so allow
          // only the rounding of w x rank + w x (3 - rank).
          const scale = Math.abs(high.terms.age) + Math.abs(high.terms.retries) + Math.abs(high.terms.capabilities) + 3 * weights.priority + 1;
          expect(high.total).toBeGreaterThanOrEqual(low.total - scale * 1e-14);
        }
      }),
      RUNS,
    );
  });

  it("(c) is monotone non-decreasing in age when w.age >= 0, whatever the other weights", () => {
    fc.assert(
      fc.property(
        jobArb,
        fc.integer({ min: 0, max: 3 * HOUR }),
        fc.integer({ min: 0, max: 3 * HOUR }),
        maybePoolArb,
        weightsArb(finite(0, 50), finite(-100, 100)),
        starvationArb,
        (job, laterBy, olderBy, pool, weights, starvationAfterMs) => {
          const base = scoreJob(job, pool, { now: NOW, weights, starvationAfterMs }).total;
          // Older by the clock moving on, and older by having been queued earlier.
          expect(scoreJob(job, pool, { now: NOW + laterBy, weights, starvationAfterMs }).total).toBeGreaterThanOrEqual(base);
          expect(scoreJob({ ...job, queuedAt: job.queuedAt - olderBy }, pool, { now: NOW, weights, starvationAfterMs }).total).toBeGreaterThanOrEqual(base);
        },
      ),
      RUNS,
    );
  });

  it("(d) total equals the sum of the terms", () => {
    fc.assert(
      fc.property(jobArb, maybePoolArb, anyWeightsArb, starvationArb, (job, pool, weights, starvationAfterMs) => {
        const { total, terms } = scoreJob(job, pool, { now: NOW, weights, starvationAfterMs });
        expect(total).toBe(terms.age + terms.priority + terms.retries + terms.capabilities + terms.starvation);
        expect(Number.isFinite(total)).toBe(true);
      }),
      RUNS,
    );
  });

  it("(d') each pool ranking total equals the sum of its terms", () => {
    fc.assert(
      fc.property(jobArb, poolsArb, poolWeightsArb, (job, pools, weights) => {
        for (const ranked of choosePool(job, pools, { weights })?.ranking ?? []) {
          expect(ranked.total).toBe(ranked.terms.fit + ranked.terms.headroom + ranked.terms.cost + ranked.terms.health);
        }
      }),
      RUNS,
    );
  });

  it("(e) is pure: identical output for identical inputs whatever the wall clock says", () => {
    fc.assert(
      fc.property(jobArb, poolsArb, anyWeightsArb, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 40 }), (job, pools, weights, t1, t2) => {
        const run = () => ({
          score: scoreJob(job, pools[0], { now: NOW, weights }),
          choice: choosePool(job, pools),
          explanation: explainJob(job, pools, { now: NOW, override: weights }),
        });
        vi.useFakeTimers({ now: t1 });
        const first = run();
        vi.setSystemTime(t2);
        vi.advanceTimersByTime(HOUR);
        const second = run();
        expect(vi.getTimerCount()).toBe(0);
        vi.useRealTimers();
        const third = run();
        expect(second).toEqual(first);
        expect(third).toEqual(first);
        expect(JSON.stringify(second.explanation)).toBe(JSON.stringify(first.explanation));
      }),
      RUNS,
    );
  });

  it("(e') never reads the clock or draws random numbers", () => {
    const dateNow = vi.spyOn(Date, "now");
    const perfNow = vi.spyOn(performance, "now");
    const random = vi.spyOn(Math, "random");
    fc.assert(
      fc.property(jobArb, poolsArb, anyWeightsArb, (job, pools, weights) => {
        dateNow.mockClear();
        perfNow.mockClear();
        random.mockClear();
        scoreJob(job, pools[0], { now: NOW, weights });
        choosePool(job, pools);
        explainJob(job, pools, { now: NOW, override: weights, productRegistry: { acme: { age: 2 } } });
        expect(dateNow).not.toHaveBeenCalled();
        expect(perfNow).not.toHaveBeenCalled();
        expect(random).not.toHaveBeenCalled();
      }),
      RUNS,
    );
  });

  it("(f) choosePool returns undefined iff no eligible pool has headroom", () => {
    fc.assert(
      fc.property(jobArb, poolsArb, poolWeightsArb, (job, pools, weights) => {
        const anyRoom = pools.some((pool) => isEligible(job.capabilities, pool) && hasHeadroom(pool));
        const choice = choosePool(job, pools, { weights });
        expect(choice !== undefined).toBe(anyRoom);
        if (choice !== undefined) expect(hasHeadroom(choice.pool)).toBe(true);
      }),
      RUNS,
    );
  });

  it("choosePool does not depend on the order the pools arrive in", () => {
    const shuffled = poolsArb.chain((pools) => fc.tuple(fc.constant(pools), fc.shuffledSubarray(pools, { minLength: pools.length })));
    fc.assert(
      fc.property(jobArb, shuffled, (job, [pools, reordered]) => {
        const a = choosePool(job, pools);
        const b = choosePool(job, reordered);
        expect(b?.pool.name).toBe(a?.pool.name);
        expect(b?.ranking).toEqual(a?.ranking);
      }),
      RUNS,
    );
  });

  it("explain agrees with choosePool and scores exactly the eligible pools", () => {
    fc.assert(
      fc.property(jobArb, poolsArb, (job, pools) => {
        const explanation = explainJob(job, pools, { now: NOW });
        expect(explanation.chosenPool).toBe(choosePool(job, pools)?.pool.name ?? null);
        for (const entry of explanation.pools) {
          expect(entry.score !== null).toBe(entry.eligible);
          expect(entry.ranking !== null).toBe(entry.exclusions.length === 0);
        }
        expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation);
      }),
      RUNS,
    );
  });
});
