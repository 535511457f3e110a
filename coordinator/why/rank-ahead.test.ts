import { describe, expect, it } from "vitest";
import { DEFAULT_WEIGHTS, type ScorableJob } from "../scorer/index.js";
import { type RankedCandidate, rankAhead } from "./rank-ahead.js";

const NOW = 10_000_000;
const general = { name: "general", capabilities: ["lang:ts"] };
const gpu = { name: "gpu", capabilities: ["gpu", "lang:ts"] };
const candidate = (id: string, job: Partial<ScorableJob> = {}, pools = [general]): RankedCandidate => ({
  job: { id, productId: "acme", priority: "medium", capabilities: ["lang:ts"], queuedAt: NOW - 60_000, retries: 0, ...job },
  capablePools: pools,
});
const options = { now: NOW, starvationAfterMs: 30 * 60_000, weightsFor: () => DEFAULT_WEIGHTS };

describe("rank among ready jobs", () => {
  it("counts jobs that score higher, or tie and queued earlier or have a smaller id", () => {
    const me = candidate("j-m");
    const others = [
      candidate("j-critical", { priority: "critical" }),
      candidate("j-low", { priority: "low" }),
      candidate("j-older", { queuedAt: NOW - 120_000 }),
      candidate("j-a"),
      candidate("j-z"),
    ];
    expect(rankAhead(me, others, options)).toBe(3);
  });

  it("ignores jobs that cannot use any of its pools, and itself", () => {
    const me = candidate("j-m", {}, [general]);
    const others = [candidate("j-gpu", { priority: "critical", capabilities: ["gpu"] }, [gpu]), me];
    expect(rankAhead(me, others, options)).toBe(0);
    expect(rankAhead(candidate("j-m", {}, [gpu, general]), others, options)).toBe(1);
  });

  it("lets a starving low job overtake fresh medium work, as the scheduler does", () => {
    const starving = candidate("j-starving", { priority: "low", queuedAt: NOW - 31 * 60_000 });
    expect(rankAhead(starving, [candidate("j-fresh", { queuedAt: NOW })], options)).toBe(0);
  });
});
