import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PRIORITY_RANK, type Priority } from "../../contracts/index.js";
import { chooseVictim, type PreemptionCandidate, victimExclusions } from "./preemption-victim.js";
import type { ScorableJob, ScorablePool } from "./index.js";
import { DEFAULT_WEIGHTS } from "./weights.js";

const NOW = 1_700_000_000_000;
const pool = (fields: Partial<ScorablePool> = {}): ScorablePool => ({
  name: "general",
  capabilities: ["os:linux", "lang:ts"],
  capacity: 2,
  inFlight: 2,
  costPerHour: 1,
  health: "ok",
  paused: false,
  ...fields,
});
const job = (id: string, priority: Priority, fields: Partial<ScorableJob> = {}): ScorableJob => ({
  id,
  productId: "acme",
  priority,
  capabilities: ["lang:ts"],
  queuedAt: NOW - 60_000,
  retries: 0,
  ...fields,
});
const candidate = (j: ScorableJob, fields: Partial<PreemptionCandidate> = {}): PreemptionCandidate => ({
  job: j,
  pool: pool(),
  startedAt: NOW - 30_000,
  preemptions: 0,
  requested: false,
  ...fields,
});
const options = { now: NOW, weightsFor: () => DEFAULT_WEIGHTS, starvationAfterMs: 30 * 60_000, maxPerJob: 2 };
const critical = job("c", "critical");

describe("choosing a preemption victim", () => {
  it("picks the lowest-scoring running job of lower priority", () => {
    const choice = chooseVictim(critical, [candidate(job("h", "high")), candidate(job("l", "low")), candidate(job("m", "medium"))], options);
    expect(choice?.victim.job.id).toBe("l");
  });

  it("breaks ties toward the attempt that started last (least work lost), then the smaller id", () => {
    const early = candidate(job("b", "low"), { startedAt: NOW - 90_000 });
    const late = candidate(job("a", "low"), { startedAt: NOW - 10_000 });
    expect(chooseVictim(critical, [early, late], options)?.victim.job.id).toBe("a");
    expect(chooseVictim(critical, [candidate(job("z", "low")), candidate(job("y", "low"))], options)?.victim.job.id).toBe("y");
  });

  it("never takes equal priority, a pool lacking the preemptor's capabilities, a pool with room, a protected or already-asked job", () => {
    expect(victimExclusions(critical, candidate(job("x", "critical")), 2)).toEqual(["not-lower-priority"]);
    expect(victimExclusions(job("g", "critical", { capabilities: ["gpu"] }), candidate(job("x", "low")), 2)).toEqual(["pool-lacks-capabilities"]);
    expect(victimExclusions(critical, candidate(job("x", "low"), { pool: pool({ inFlight: 1 }) }), 2)).toEqual(["pool-not-full"]);
    expect(victimExclusions(critical, candidate(job("x", "low"), { preemptions: 2 }), 2)).toEqual(["protected"]);
    expect(victimExclusions(critical, candidate(job("x", "low"), { requested: true }), 2)).toEqual(["already-requested"]);
    expect(victimExclusions(critical, candidate(job("x", "low"), { pool: pool({ paused: true }) }), 2)).toEqual(["pool-lacks-capabilities"]);
  });

  it("lets only critical jobs preempt", () => {
    expect(chooseVictim(job("h", "high"), [candidate(job("l", "low"))], options)).toBeUndefined();
  });

  it("never returns a victim of equal or higher priority, or one on a pool that cannot run the preemptor (property)", () => {
    const priority = fc.constantFrom<Priority>("critical", "high", "medium", "low");
    const arb = fc.array(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 4 }),
        priority,
        caps: fc.subarray(["os:linux", "lang:ts", "gpu"]),
        inFlight: fc.integer({ min: 0, max: 3 }),
        preemptions: fc.integer({ min: 0, max: 3 }),
        startedAt: fc.integer({ min: NOW - 100_000, max: NOW }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, fc.subarray(["os:linux", "lang:ts", "gpu"]), (rows, preemptorCaps) => {
        const preemptor = job("p", "critical", { capabilities: preemptorCaps });
        const candidates = rows.map((row) => candidate(job(row.id, row.priority), { pool: pool({ capabilities: row.caps, inFlight: row.inFlight }), preemptions: row.preemptions, startedAt: row.startedAt }));
        const choice = chooseVictim(preemptor, candidates, options);
        if (choice === undefined) {
          for (const c of candidates) expect(victimExclusions(preemptor, c, 2).length).toBeGreaterThan(0);
          return;
        }
        expect(PRIORITY_RANK[choice.victim.job.priority]).toBeLessThan(PRIORITY_RANK.critical);
        for (const cap of preemptorCaps) expect(choice.victim.pool.capabilities).toContain(cap);
        expect(choice.victim.pool.inFlight).toBeGreaterThanOrEqual(choice.victim.pool.capacity);
        expect(choice.victim.preemptions).toBeLessThan(2);
      }),
      { numRuns: 300 },
    );
  });
});
