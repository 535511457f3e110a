import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callRetryBackoffMs } from "./call-retry-backoff.js";

describe("callRetryBackoffMs", () => {
  it("doubles from the base and stops at the cap, half of it fixed and half jitter", () => {
    const low = (attempt: number) => callRetryBackoffMs({ attempt, baseMs: 100, maxMs: 5000 }, () => 0);
    const high = (attempt: number) => callRetryBackoffMs({ attempt, baseMs: 100, maxMs: 5000 }, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7].map(low)).toEqual([100, 200, 400, 800, 1600, 2500, 2500]);
    expect([1, 2, 3, 4, 5, 6, 7].map(high)).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it("stays within [ceiling/2, ceiling] for any attempt and random draw", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, baseMs, maxMs, r) => {
        const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
        const delay = callRetryBackoffMs({ attempt, baseMs, maxMs }, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
      }),
    );
  });
});
