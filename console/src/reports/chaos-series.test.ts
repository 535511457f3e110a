import { describe, expect, it } from "vitest";
import { throughput } from "./chaos-series.js";

const sample = (t: number, shipped: number) => ({ t, shipped, open: 0, deadLetters: 0, agents: 0 });

describe("throughput", () => {
  it("is shipped jobs per second over the window before each sample", () => {
    const samples = [sample(0, 0), sample(0.5, 1), sample(1, 2), sample(1.5, 3), sample(2, 4), sample(2.5, 4), sample(3, 4), sample(4.5, 4)];
    const rates = throughput(samples, 2);
    expect(rates[0]).toBeNull();
    expect(rates[1]).toBeCloseTo(2);
    expect(rates[4]).toBeCloseTo(2);
    // 0.5 s to 2.5 s: 3 shipped in 2 s.
    expect(rates[5]).toBeCloseTo(1.5);
    expect(rates[7]).toBeCloseTo(0);
  });
});
