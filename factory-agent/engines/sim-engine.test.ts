import { describe, expect, it } from "vitest";
import { queuedJob } from "../../test/support/job-fixture.js";
import { FakeEngineContext } from "./fake-engine-context.js";
import { SimEngine } from "./sim-engine.js";

const T0 = Date.UTC(2026, 0, 1);

describe("the sim engine in a fake engine context", () => {
  it("walks building, review and testing over its duration, then ships", async () => {
    const context = new FakeEngineContext();
    const outcome = new SimEngine({ durationMs: 3000, failureRate: 0, crashRate: 0 }).run(queuedJob(), context);
    await context.time.advance(3000);
    expect(await outcome).toMatchObject({ kind: "shipped", insights: { model: "sim", durationMs: 3000 } });
    expect(context.reports).toEqual([
      { stage: "building", at: T0 },
      { stage: "review", at: T0 + 1000 },
      { stage: "testing", at: T0 + 2000 },
    ]);
    expect(context.time.pendingTimers()).toBe(0);
  });

  it("stops promptly when cancelled, and says why", async () => {
    const drained = new FakeEngineContext();
    const run = new SimEngine({ durationMs: 30_000, failureRate: 0, crashRate: 0 }).run(queuedJob(), drained);
    await drained.time.advance(12_000);
    drained.cancel("drain");
    expect(await run).toEqual({ kind: "retryable", message: "drained" });
    expect(drained.reports.map((r) => r.stage)).toEqual(["building", "review"]);
    expect(drained.time.pendingTimers()).toBe(0);

    const overBudget = new FakeEngineContext({ wallBudgetMs: 5000 });
    const slow = new SimEngine({ durationMs: 30_000, failureRate: 0, crashRate: 0 }).run(queuedJob(), overBudget);
    await overBudget.time.advance(5000);
    overBudget.cancel("budget");
    expect(await slow).toEqual({ kind: "retryable", message: "wall-clock budget of 5000 ms exceeded" });
  });

  it("crashes on poison work through its crash hook", async () => {
    const context = new FakeEngineContext();
    let crashed = 0;
    const engine = new SimEngine({
      durationMs: 300,
      failureRate: 0,
      crashRate: 0,
      crash: () => {
        crashed++;
        throw new Error("simulated crash");
      },
    });
    const run = engine.run(queuedJob({ bodyMd: "x\nsim:poison" }), context);
    const failed = expect(run).rejects.toThrow("simulated crash");
    await context.time.advance(300);
    await failed;
    expect(crashed).toBe(1);
  });
});
