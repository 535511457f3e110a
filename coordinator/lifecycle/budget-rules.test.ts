import { describe, expect, it } from "vitest";
import { BudgetDoc } from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { acceptLease } from "./accept-lease.js";
import { assignJob } from "./assign-job.js";
import { budgetWindowAt, daysOfWindow, utcDayOf } from "./budget-window.js";
import { holdsBack, productGate } from "./product-gate.js";
import { releaseLease } from "./release-lease.js";
import { toMicroUsd, withRunCost } from "./run-cost.js";

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const budget = (fields: Partial<BudgetDoc> = {}): BudgetDoc =>
  BudgetDoc.parse({ id: "budget.acme", productId: "acme", window: "monthly", windowStart: "2026-01-31", holdBack: false, onCeiling: "finish", revision: 1, updatedAt: 0, ...fields });

describe("budget windows", () => {
  it("repeats daily and weekly windows from the anchor, in both directions", () => {
    expect(budgetWindowAt("daily", "2026-01-10", day("2026-01-12") + 5)).toEqual({ start: day("2026-01-12"), end: day("2026-01-13") });
    expect(budgetWindowAt("daily", "2026-01-10", day("2026-01-08") + 5)).toEqual({ start: day("2026-01-08"), end: day("2026-01-09") });
    expect(budgetWindowAt("weekly", "2026-01-01", day("2026-01-15"))).toEqual({ start: day("2026-01-15"), end: day("2026-01-22") });
    expect(budgetWindowAt("weekly", "2026-01-01", day("2026-01-14") + 86_399_999)).toEqual({ start: day("2026-01-08"), end: day("2026-01-15") });
  });

  it("starts monthly windows on the anchor's day, or the month's last day when it is shorter", () => {
    expect(budgetWindowAt("monthly", "2026-01-31", day("2026-02-15"))).toEqual({ start: day("2026-01-31"), end: day("2026-02-28") });
    expect(budgetWindowAt("monthly", "2026-01-31", day("2026-02-28"))).toEqual({ start: day("2026-02-28"), end: day("2026-03-31") });
    expect(budgetWindowAt("monthly", "2026-01-31", day("2024-02-29") + 1).start).toBe(day("2024-02-29"));
    expect(budgetWindowAt("monthly", "2026-03-15", day("2025-12-20"))).toEqual({ start: day("2025-12-15"), end: day("2026-01-15") });
  });

  it("makes `none` one open window from the anchor, and empty before it", () => {
    expect(budgetWindowAt("none", "2026-01-01", day("2030-06-01"))).toEqual({ start: day("2026-01-01"), end: undefined });
    expect(budgetWindowAt("none", "2026-01-01", day("2025-06-01"))).toEqual({ start: day("2026-01-01"), end: day("2026-01-01") });
  });

  it("lists the window's days up to today", () => {
    expect(daysOfWindow({ start: day("2026-01-30"), end: day("2026-02-28") }, day("2026-02-01") + 10)).toEqual(["2026-01-30", "2026-01-31", "2026-02-01"]);
    expect(utcDayOf(day("2026-03-01") - 1)).toBe("2026-02-28");
  });
});

describe("the product gate", () => {
  const window = { start: day("2026-01-31"), end: day("2026-02-28") };

  it("pauses at the ceiling, exactly, and not a micro-dollar before", () => {
    expect(productGate(budget({ ceilingUsd: 10 }), toMicroUsd(9.999999), window)).toMatchObject({ open: true, remainingUsd: 0.000001 });
    expect(productGate(budget({ ceilingUsd: 10 }), toMicroUsd(10), window)).toMatchObject({ open: false, pausedBy: "ceiling", mode: "finish", remainingUsd: 0 });
    expect(productGate(budget({ ceilingUsd: 10, onCeiling: "stop" }), toMicroUsd(12.5), window)).toMatchObject({ open: false, mode: "stop", spentUsd: 12.5, remainingUsd: 0 });
  });

  it("never divides by zero without a ceiling: open, remaining null, whatever was spent", () => {
    const gate = productGate(budget(), toMicroUsd(1e6), window);
    expect(gate).toMatchObject({ open: true, ceilingUsd: null, remainingUsd: null, spentUsd: 1e6 });
    expect(JSON.stringify(gate)).not.toMatch(/NaN|Infinity/);
    expect(productGate(undefined, 0, window).open).toBe(true);
  });

  it("lets an operator's pause win over the ceiling", () => {
    const gate = productGate(budget({ ceilingUsd: 1, pause: { mode: "drain", reason: "audit", by: "op", at: 5 } }), toMicroUsd(2), window);
    expect(gate).toMatchObject({ open: false, pausedBy: "operator", mode: "drain", reason: "audit" });
  });

  it("holds back only with the setting on, a ceiling, and a job budget above what is left", () => {
    const on = budget({ ceilingUsd: 10, holdBack: true });
    const gate = productGate(on, toMicroUsd(7), window);
    expect(holdsBack(on, gate, 3.000001)).toBe(true);
    expect(holdsBack(on, gate, 3)).toBe(false);
    expect(holdsBack(on, gate, undefined)).toBe(false);
    expect(holdsBack(budget({ ceilingUsd: 10 }), gate, 5)).toBe(false);
    expect(holdsBack(budget({ holdBack: true }), productGate(budget({ holdBack: true }), 0, window), 5)).toBe(false);
  });
});

describe("run cost on the job", () => {
  const T0 = day("2026-01-01") + 3_600_000;
  const running = () => acceptLease(assignJob(queuedJob(), { pool: "general", acceptTimeoutMs: 60_000 }, T0), { epoch: 1, factoryId: "f1", pool: "general", leaseMs: 30_000 }, T0 + 1);

  it("records the cost in integer micro-USD per UTC day, in the same change that ends the run", () => {
    const shipped = releaseLease(running(), { leaseEpoch: 1, outcome: "shipped", insights: { costUsd: 0.1 } }, "f1", T0 + 10);
    expect(shipped.stage).toBe("shipped");
    expect(shipped.spend).toEqual({ microUsd: 100_000, byDay: { "2026-01-01": 100_000 } });
    expect(shipped.runs[0]?.insights?.costUsd).toBe(0.1);
    const twice = withRunCost(withRunCost(queuedJob(), 0.1, T0), 0.2, T0 + 86_400_000);
    expect(twice.spend).toEqual({ microUsd: 300_000, byDay: { "2026-01-01": 100_000, "2026-01-02": 200_000 } });
  });

  it("costs failed and drained runs too, and nothing on a retried release", () => {
    const failed = releaseLease(running(), { leaseEpoch: 1, outcome: "non_retryable", insights: { costUsd: 2 } }, "f1", T0 + 10);
    expect(failed.spend?.microUsd).toBe(2_000_000);
    const retried = releaseLease(running(), { leaseEpoch: 1, outcome: "retryable", insights: { costUsd: 1.5 } }, "f1", T0 + 10);
    expect(retried.stage).toBe("queued");
    expect(retried.spend?.microUsd).toBe(1_500_000);
    const shipped = releaseLease(running(), { leaseEpoch: 1, outcome: "shipped", insights: { costUsd: 3 } }, "f1", T0 + 10);
    expect(releaseLease(shipped, { leaseEpoch: 1, outcome: "shipped", insights: { costUsd: 3 } }, "f1", T0 + 20)).toBe(shipped);
  });

  it("leaves a run without a reported cost uncounted", () => {
    expect(releaseLease(running(), { leaseEpoch: 1, outcome: "shipped" }, "f1", T0 + 10).spend).toBeUndefined();
    expect(withRunCost(queuedJob(), 0, T0).spend).toBeUndefined();
  });
});
