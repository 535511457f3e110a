import { describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { leversFixture, type MakeStore, spec } from "./levers-fixture.js";

/** Budgets per product over the API: accrual, auto-pause, roll-over, hold-back, drain and stop. */
export function runBudgetSuite(name: string, makeStore: MakeStore): void {
  describe(`budgets on ${name}`, () => {
    const f = leversFixture(makeStore);
    const put = (body: unknown, productId = "acme") => f.h.call("PUT", `/fleet/budgets/${productId}`, { body });
    const budget = async (productId = "acme") => (await f.h.call("GET", `/fleet/budgets/${productId}`)).json();
    const ship = async (job: JobDoc, costUsd: number) => {
      const released = await f.release(job.id, { leaseEpoch: job.leaseEpoch, outcome: "shipped", insights: { costUsd } });
      expect(released.statusCode).toBe(200);
    };

    it("shows a product without a budget as open, with no ceiling and nothing divided by zero", async () => {
      const view = await budget();
      expect(view).toMatchObject({ productId: "acme", ceilingUsd: null, remainingUsd: null, spentUsd: 0, paused: false, window: "monthly", windowStart: "2026-01-01" });
      const burndown = (await f.h.call("GET", "/fleet/budgets/acme/burndown")).json();
      expect(burndown.ceilingUsd).toBeNull();
      expect(burndown.days).toEqual([{ day: "2026-01-01", spentUsd: 0, cumulativeUsd: 0, remainingUsd: null }]);
      expect(JSON.stringify(burndown)).not.toMatch(/NaN|Infinity/);
    });

    it("accrues a shipped run's cost exactly once, auto-pauses at the ceiling, and keeps both across a restart", async () => {
      expect((await put({ ceilingUsd: 10, window: "monthly" })).json()).toMatchObject({ ceilingUsd: 10, spentUsd: 0, paused: false });
      const a = await f.submit(spec("a"));
      const running = await f.start(a.id);
      await ship(running, 12.5);
      // The factory retries its release (an unknown outcome): nothing more is counted.
      await ship(running, 12.5);
      expect(await budget()).toMatchObject({ spentUsd: 12.5, remainingUsd: 0, paused: true, pausedBy: "ceiling" });
      expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(["budget.updated", "budget.spend", "budget.ceiling_reached", "product.paused"]));
      expect(f.events.filter((e) => e.type === "budget.spend")).toHaveLength(1);
      const b = await f.submit(spec("b"));
      expect((await f.h.tick()).assigned).toBe(0);
      expect((await f.job(b.id)).stage).toBe("queued");
      await f.restart();
      expect(await budget()).toMatchObject({ spentUsd: 12.5, paused: true, pausedBy: "ceiling" });
      expect((await f.h.tick()).assigned).toBe(0);
      // Another product is not affected.
      const other = await f.submit(spec("o"), "otherOperator");
      await f.h.tick();
      expect((await f.h.call("GET", `/fleet/jobs/${other.id}`, { as: "otherOperator" })).json().stage).toBe("assigned");
    });

    it("counts a failed run's cost too, and only runs that ended in the window", async () => {
      await put({ ceilingUsd: 100, window: "daily" });
      const a = await f.submit(spec("a"));
      const running = await f.start(a.id);
      expect((await f.release(a.id, { leaseEpoch: running.leaseEpoch, outcome: "non_retryable", message: "bad spec", insights: { costUsd: 1.25 } })).statusCode).toBe(200);
      expect((await budget()).spentUsd).toBe(1.25);
      f.h.clock.advance(86_400_000);
      await f.h.tick();
      expect(await budget()).toMatchObject({ spentUsd: 0, windowStart: "2026-01-01", windowStartsAt: Date.UTC(2026, 0, 2) });
    });

    it("resumes an auto-paused product when the window rolls over, and says so on the fleet stream", async () => {
      await put({ ceilingUsd: 5, window: "daily" });
      const a = await f.submit(spec("a"));
      await ship(await f.start(a.id), 5);
      const b = await f.submit(spec("b"));
      expect((await f.h.tick()).assigned).toBe(0);
      const state = (await f.h.call("GET", "/fleet/pauses")).json().products[0];
      expect(state).toMatchObject({ productId: "acme", paused: true, pausedBy: "ceiling", resumesAt: Date.UTC(2026, 0, 2) });
      expect(f.h.app.coordinator.nextDeadline()).toBe(Date.UTC(2026, 0, 2));
      f.h.clock.advance(86_400_000);
      expect((await f.h.tick()).assigned).toBe(1);
      expect((await f.job(b.id)).stage).toBe("assigned");
      expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(["budget.window_rolled_over", "product.resumed"]));
    });

    it("keeps a job whose own budget exceeds what is left queued when hold-back is on", async () => {
      await put({ ceilingUsd: 10, holdBack: true });
      const a = await f.submit(spec("a"));
      await ship(await f.start(a.id), 7);
      const big = await f.submit(spec("big", { budget: { usd: 5 } }));
      const small = await f.submit(spec("small", { budget: { usd: 2 } }));
      expect((await f.h.tick()).assigned).toBe(1);
      expect((await f.job(small.id)).stage).toBe("assigned");
      expect((await f.job(big.id)).stage).toBe("queued");
      expect(f.h.app.coordinator.heldBackOf(big.id)).toEqual({ jobBudgetUsd: 5, remainingUsd: 3 });
      expect(f.events.some((e) => e.type === "job.held_back" && e.jobId === big.id)).toBe(true);
      const explain = (await f.h.call("GET", `/fleet/jobs/${big.id}/explain`)).json();
      expect(explain.flow.heldBack).toEqual({ jobBudgetUsd: 5, remainingUsd: 3 });
      await put({ ceilingUsd: 20 });
      expect((await f.h.tick()).assigned).toBe(1);
      expect((await f.job(big.id)).stage).toBe("assigned");
    });

    it("pause and stop: running jobs are told at their next renewal, release with a checkpoint, and wait for resume", async () => {
      const a = await f.submit(spec("a"));
      const running = await f.start(a.id);
      expect(await f.renew(a.id, running.leaseEpoch)).not.toHaveProperty("stop");
      const paused = await f.h.call("POST", "/fleet/budgets/acme/pause", { body: { mode: "stop", reason: "runaway spend" } });
      expect(paused.json()).toMatchObject({ paused: true, pausedBy: "operator", mode: "stop", reason: "runaway spend", by: "op-acme" });
      const renewal = await f.renew(a.id, running.leaseEpoch);
      expect(renewal.stop).toMatchObject({ reason: "product-paused" });
      const released = await f.release(a.id, { leaseEpoch: running.leaseEpoch, outcome: "drained", checkpoint: { ref: "wip/a" }, insights: { costUsd: 0.5 } });
      expect(released.body).toMatchObject({ stage: "queued", leaseEpoch: running.leaseEpoch + 1 });
      expect((await f.job(a.id)).checkpoint).toEqual({ ref: "wip/a" });
      expect((await f.h.tick()).assigned).toBe(0);
      expect((await f.h.call("POST", "/fleet/budgets/acme/resume")).json()).toMatchObject({ paused: false });
      expect((await f.h.tick()).assigned).toBe(1);
      expect((await budget()).spentUsd).toBe(0.5);
    });

    it("pause and drain: unaccepted assignments are withdrawn (a late accept is fenced), running jobs finish", async () => {
      const a = await f.submit(spec("a"));
      const running = await f.start(a.id);
      const b = await f.submit(spec("b"));
      await f.h.tick();
      const assigned = await f.job(b.id);
      expect(assigned.stage).toBe("assigned");
      await f.h.call("POST", "/fleet/budgets/acme/pause", { body: { mode: "drain", reason: "month end" } });
      await f.h.tick();
      const withdrawn = await f.job(b.id);
      expect(withdrawn).toMatchObject({ stage: "queued", leaseEpoch: assigned.leaseEpoch + 1 });
      const late = await f.h.call("POST", `/fleet/jobs/${b.id}/lease/accept`, { as: "general", factoryId: "f-2", body: { leaseEpoch: assigned.leaseEpoch } });
      expect(late.statusCode).toBe(409);
      expect(late.json().error.code).toBe("STALE_EPOCH");
      expect(await f.renew(a.id, running.leaseEpoch)).not.toHaveProperty("stop");
      expect((await f.release(a.id, { leaseEpoch: running.leaseEpoch, outcome: "shipped" })).body.stage).toBe("shipped");
    });

    it("reaching a ceiling set to stop tells running jobs to release and withdraws unaccepted assignments", async () => {
      await put({ ceilingUsd: 1, onCeiling: "stop" });
      const a = await f.submit(spec("a"));
      const b = await f.submit(spec("b"));
      const runningA = await f.start(a.id);
      const runningB = await f.accept(b.id, (await f.job(b.id)).leaseEpoch, "f-b");
      const c = await f.submit(spec("c"));
      await f.h.tick();
      const assignedC = await f.job(c.id);
      expect(assignedC.stage).toBe("assigned");
      await ship(runningA, 2);
      await f.h.tick();
      expect((await f.renew(b.id, runningB.leaseEpoch, "f-b")).stop).toMatchObject({ reason: "budget-ceiling" });
      expect(await f.job(c.id)).toMatchObject({ stage: "queued", leaseEpoch: assignedC.leaseEpoch + 1 });
      expect(f.h.app.coordinator.pauseStateOf("acme")).toMatchObject({ paused: true, pausedBy: "ceiling", mode: "stop", resumesAt: Date.UTC(2026, 1, 1) });
    });

    it("resume leaves a product over its ceiling paused by the ceiling, and a raised ceiling resumes it", async () => {
      await put({ ceilingUsd: 1 });
      const a = await f.submit(spec("a"));
      await ship(await f.start(a.id), 2);
      await f.h.call("POST", "/fleet/budgets/acme/pause", { body: { reason: "checking" } });
      expect((await f.h.call("POST", "/fleet/budgets/acme/resume")).json()).toMatchObject({ paused: true, pausedBy: "ceiling" });
      expect((await put({ ceilingUsd: 3 })).json()).toMatchObject({ paused: false, remainingUsd: 1 });
    });

    it("draws the burndown per day with the ceiling, and drops the ceiling with null", async () => {
      await put({ ceilingUsd: 10, window: "weekly", windowStart: "2026-01-01" });
      const a = await f.submit(spec("a"));
      await ship(await f.start(a.id), 1.5);
      f.h.clock.advance(86_400_000);
      const b = await f.submit(spec("b"));
      await ship(await f.start(b.id), 2.25);
      const burndown = (await f.h.call("GET", "/fleet/budgets/acme/burndown")).json();
      expect(burndown).toMatchObject({ window: "weekly", ceilingUsd: 10, spentUsd: 3.75, remainingUsd: 6.25, windowEndsAt: Date.UTC(2026, 0, 8) });
      expect(burndown.days).toEqual([
        { day: "2026-01-01", spentUsd: 1.5, cumulativeUsd: 1.5, remainingUsd: 8.5 },
        { day: "2026-01-02", spentUsd: 2.25, cumulativeUsd: 3.75, remainingUsd: 6.25 },
      ]);
      expect((await put({ ceilingUsd: null })).json()).toMatchObject({ ceilingUsd: null, remainingUsd: null, spentUsd: 3.75, paused: false });
    });

    it("widening the window counts spend from before it, read from the store", async () => {
      await put({ ceilingUsd: 100, window: "daily" });
      const a = await f.submit(spec("a"));
      await ship(await f.start(a.id), 4);
      f.h.clock.advance(86_400_000);
      await f.h.tick();
      expect((await budget()).spentUsd).toBe(0);
      expect((await put({ window: "monthly", windowStart: "2026-01-01" })).json().spentUsd).toBe(4);
    });

    it("refuses another product's key and bad budgets, naming the field", async () => {
      expect((await f.h.call("GET", "/fleet/budgets/acme", { as: "otherOperator" })).statusCode).toBe(403);
      const bad = await put({ ceilingUsd: -5 });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain("ceilingUsd");
      const badDay = await put({ windowStart: "2026-02-30" });
      expect(badDay.statusCode).toBe(400);
      expect(badDay.json().error.message).toContain("windowStart");
      expect((await f.h.call("GET", "/fleet/budgets/globex", { as: "fleetOperator" })).statusCode).toBe(200);
    });
  });
}
