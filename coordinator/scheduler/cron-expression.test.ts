import { describe, expect, it } from "vitest";
import { assertValidCron, nextOccurrence, nextOccurrences } from "./cron-expression.js";

describe("cron expressions", () => {
  it("reads the expression in its time zone, across a daylight-saving change", () => {
    // 09:00 in New York: 14:00 UTC in winter, 13:00 UTC after the switch on 2026-03-08.
    expect(nextOccurrences("0 9 * * *", "America/New_York", Date.UTC(2026, 2, 6, 15), 3)).toEqual([Date.UTC(2026, 2, 7, 14), Date.UTC(2026, 2, 8, 13), Date.UTC(2026, 2, 9, 13)]);
  });

  it("gives the first run strictly after the instant", () => {
    expect(nextOccurrence("*/15 * * * *", "UTC", Date.UTC(2026, 0, 1, 0, 15))).toBe(Date.UTC(2026, 0, 1, 0, 30));
    expect(nextOccurrence("*/15 * * * *", "UTC", Date.UTC(2026, 0, 1, 0, 15) - 1)).toBe(Date.UTC(2026, 0, 1, 0, 15));
  });

  it("rejects bad expressions, seconds fields and unknown zones with a message naming the problem", () => {
    expect(() => assertValidCron("61 * * * *", "UTC")).toThrow(/minute/);
    expect(() => assertValidCron("* * * * * *", "UTC")).toThrow(/5 parts/);
    expect(() => assertValidCron("0 * * * *", "Mars/Olympus")).toThrow(/Mars\/Olympus/);
  });
});
