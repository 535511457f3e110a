import { describe, expect, it } from "vitest";
import { occurrenceKey, scheduleDocId } from "../../contracts/index.js";
import { deriveJobId } from "../../coordinator/jobs/job-identity.js";
import { leversFixture, type MakeStore, spec } from "./levers-fixture.js";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** Delayed jobs (notBefore), recurring schedules and the weight registry, over the API. */
export function runScheduleSuite(name: string, makeStore: MakeStore): void {
  describe(`delayed and recurring submission on ${name}`, () => {
    const f = leversFixture(makeStore);
    const job = { bodyMd: "# nightly\nRun the dependency audit.", capabilities: ["lang:ts"] };
    const put = (name: string, body: unknown) => f.h.call("PUT", `/fleet/schedules/${name}`, { body });

    it("holds a job with notBefore until then, without polling: the loop sleeps until that instant", async () => {
      const later = await f.submit(spec("later", { notBefore: T0 + 5 * MINUTE }));
      expect(later).toMatchObject({ stage: "queued", notBefore: T0 + 5 * MINUTE, queuedAt: T0 + 5 * MINUTE });
      expect((await f.h.tick()).assigned).toBe(0);
      expect(f.h.app.coordinator.nextDeadline()).toBe(T0 + 5 * MINUTE);
      // An ISO instant with an offset; this one is now, so the job is ready at once.
      const iso = await f.submit(spec("iso", { notBefore: "2026-01-01T01:00:00+01:00" }));
      expect(iso.notBefore).toBeUndefined();
      expect((await f.h.tick()).assigned).toBe(1);
      await f.accept(iso.id, (await f.job(iso.id)).leaseEpoch);
      const readsBefore = f.store.stats().ops.read + f.store.stats().ops.query;
      f.h.clock.advance(5 * MINUTE - 1);
      expect((await f.h.tick()).assigned).toBe(0);
      f.h.clock.advance(1);
      expect((await f.h.tick()).assigned).toBe(1);
      expect(f.store.stats().ops.read + f.store.stats().ops.query).toBe(readsBefore);
      expect((await f.job(later.id)).stage).toBe("assigned");
      const bad = await f.h.call("POST", "/fleet/jobs", { body: spec("bad", { notBefore: "tomorrow" }) });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain("notBefore");
    });

    it("creates a schedule, lists its next runs in its time zone, and submits each occurrence with a derived key", async () => {
      const created = await put("audit", { cron: "0 9 * * 1-5", timeZone: "Europe/Berlin", job });
      expect(created.statusCode).toBe(201);
      // 2026-01-01 is a Thursday; 09:00 in Berlin is 08:00 UTC in winter.
      expect(created.json().nextRuns.slice(0, 3)).toEqual([Date.UTC(2026, 0, 1, 8), Date.UTC(2026, 0, 2, 8), Date.UTC(2026, 0, 5, 8)]);
      expect(f.h.app.coordinator.nextDeadline()).toBe(Date.UTC(2026, 0, 1, 8));
      f.h.clock.advance(8 * 60 * MINUTE);
      await f.h.tick();
      const jobId = deriveJobId("acme", occurrenceKey("audit", Date.UTC(2026, 0, 1, 8)));
      expect(await f.job(jobId)).toMatchObject({ stage: "assigned", idempotencyKey: "schedule:audit:1767254400000" });
      const view = (await f.h.call("GET", "/fleet/schedules/audit?next=2")).json();
      expect(view).toMatchObject({ submitted: 1, skipped: 0, lastJobId: jobId, nextRunAt: Date.UTC(2026, 0, 2, 8), nextRuns: [Date.UTC(2026, 0, 2, 8), Date.UTC(2026, 0, 5, 8)] });
      expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(["schedule.updated", "schedule.submitted"]));
      expect((await f.h.call("GET", "/fleet/schedules")).json().items.map((s: { name: string }) => s.name)).toEqual(["audit"]);
    });

    it("never submits an occurrence twice, even when a restart finds it not yet marked done", async () => {
      await put("hourly", { cron: "0 * * * *", job, overlap: "allow" });
      f.h.clock.advance(60 * MINUTE);
      await f.h.tick();
      // As if the coordinator had crashed after submitting and before moving the schedule on.
      const stored = (await f.store.get("schedules", scheduleDocId("acme", "hourly"), "acme"))!;
      await f.store.replace("schedules", { ...stored.doc, nextRunAt: T0 + 60 * MINUTE, submitted: 0 }, stored.etag);
      const jobsBefore = (await f.h.call("GET", "/fleet/jobs")).json().items.length;
      await f.restart();
      await f.h.tick();
      expect((await f.h.call("GET", "/fleet/jobs")).json().items.length).toBe(jobsBefore);
      const view = (await f.h.call("GET", "/fleet/schedules/hourly")).json();
      expect(view).toMatchObject({ submitted: 1, nextRunAt: T0 + 120 * MINUTE });
    });

    it("skips an occurrence while the previous one's job is still active (overlap skip), and submits with allow", async () => {
      await put("skip", { cron: "*/10 * * * *", job, overlap: "skip" });
      await put("allow", { cron: "*/10 * * * *", job: { ...job, bodyMd: "# allow" }, overlap: "allow" });
      await f.h.tick();
      f.h.clock.advance(10 * MINUTE);
      await f.h.tick();
      const skip = (await f.h.call("GET", "/fleet/schedules/skip")).json();
      const allow = (await f.h.call("GET", "/fleet/schedules/allow")).json();
      expect(skip).toMatchObject({ submitted: 1, skipped: 1, lastSkippedAt: T0 + 10 * MINUTE });
      expect(allow).toMatchObject({ submitted: 2, skipped: 0 });
      expect(f.events.some((e) => e.type === "schedule.skipped")).toBe(true);
    });

    it("pauses and resumes a schedule without making up paused-over occurrences; deletes it", async () => {
      await put("p", { cron: "*/15 * * * *", job });
      const paused = await f.h.call("POST", "/fleet/schedules/p/pause", { body: { reason: "freeze" } });
      expect(paused.json()).toMatchObject({ paused: true, pausedReason: "freeze" });
      f.h.clock.advance(40 * MINUTE);
      await f.h.tick();
      expect((await f.h.call("GET", "/fleet/schedules/p")).json().submitted).toBe(0);
      const resumed = (await f.h.call("POST", "/fleet/schedules/p/resume")).json();
      expect(resumed).toMatchObject({ paused: false, nextRunAt: T0 + 45 * MINUTE });
      expect((await f.h.call("DELETE", "/fleet/schedules/p")).statusCode).toBe(204);
      expect((await f.h.call("GET", "/fleet/schedules/p")).statusCode).toBe(404);
    });

    it("rejects a bad cron expression, an unknown time zone and an unroutable job, naming each", async () => {
      const cron = await put("bad", { cron: "61 * * * *", job });
      expect(cron.statusCode).toBe(400);
      expect(cron.json().error.message).toContain("minute");
      const zone = await put("bad", { cron: "0 * * * *", timeZone: "Mars/Olympus", job });
      expect(zone.statusCode).toBe(400);
      expect(zone.json().error.message).toContain("Mars/Olympus");
      const caps = await put("bad", { cron: "0 * * * *", job: { ...job, capabilities: ["os:windows"] } });
      expect(caps.statusCode).toBe(400);
      expect(caps.json().error.message).toContain("no pool offers");
      expect((await f.h.call("PUT", "/fleet/schedules/x", { as: "fleetOperator", body: { cron: "0 * * * *", job } })).statusCode).toBe(403);
    });

    it("documents every lever's route in the OpenAPI document", async () => {
      const doc = (await f.h.server.inject({ method: "GET", url: "/docs/json" })).json();
      for (const path of ["/fleet/budgets/{productId}", "/fleet/budgets/{productId}/burndown", "/fleet/pools/{name}/drain", "/fleet/pauses", "/fleet/weights/{productId}", "/fleet/schedules/{name}"]) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      expect(doc.paths["/fleet/jobs"].post.requestBody.content["application/json"].schema.properties.notBefore).toBeDefined();
    });

    it("sets a product's score weights through the API, validated, and explain shows each level", async () => {
      const bad = await f.h.call("PUT", "/fleet/weights/acme", { body: { weights: { age: -1 } } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain("age");
      const put = await f.h.call("PUT", "/fleet/weights/acme", { body: { weights: { priority: 20 } } });
      expect(put.json()).toMatchObject({ productId: "acme", weights: { age: 1, priority: 20, retries: -2, capabilities: 5 }, registry: { priority: 20 } });
      const a = await f.submit(spec("a"));
      const explain = (await f.h.call("GET", `/fleet/jobs/${a.id}/explain?age=3`)).json();
      expect(explain.weights).toMatchObject({ weights: { age: 3, priority: 20 }, sources: { age: "override", priority: "product", retries: "default" } });
      await f.restart();
      expect((await f.h.call("GET", "/fleet/weights/acme")).json().weights.priority).toBe(20);
      expect((await f.h.call("GET", "/fleet/weights")).json().items.map((i: { productId: string }) => i.productId)).toEqual(["acme"]);
    });
  });
}
