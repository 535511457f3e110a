import { describe, expect, it } from "vitest";
import { leversFixture, type MakeStore, spec } from "./levers-fixture.js";

/** Pausing, resuming and draining pools; pausing products through the pause routes. */
export function runPauseSuite(name: string, makeStore: MakeStore): void {
  describe(`pauses on ${name}`, () => {
    const f = leversFixture(makeStore);
    const asFleet = { as: "fleetOperator" as const };

    it("a paused pool receives nothing new, with its reason recorded, until it is resumed; the pause survives a restart", async () => {
      const paused = await f.h.call("POST", "/fleet/pools/general/pause", { ...asFleet, body: { reason: "node upgrade" } });
      expect(paused.json()).toMatchObject({ pool: "general", paused: true, draining: false, reason: "node upgrade", by: "op-fleet" });
      const a = await f.submit(spec("a", { capabilities: ["os:linux"] }));
      await f.h.tick();
      // The GPU pool can run it too and is not paused.
      expect((await f.job(a.id)).lease?.pool).toBe("gpu");
      await f.h.call("POST", "/fleet/pools/gpu/pause", { ...asFleet, body: { reason: "quota" } });
      const b = await f.submit(spec("b"));
      expect((await f.h.tick()).assigned).toBe(0);
      const pools = (await f.h.call("GET", "/fleet/pools", asFleet)).json().items as { name: string; paused: boolean }[];
      expect(pools.map((p) => [p.name, p.paused])).toEqual([["general", true], ["gpu", true]]);
      const explain = (await f.h.call("GET", `/fleet/jobs/${b.id}/explain`)).json();
      expect(explain.pools[0].exclusions).toContainEqual({ reason: "paused" });
      expect(f.h.app.coordinator.poolPauseOf("general")).toMatchObject({ paused: true, reason: "node upgrade" });
      await f.restart();
      expect((await f.h.call("GET", "/fleet/pauses", asFleet)).json().pools).toEqual([
        expect.objectContaining({ pool: "general", paused: true, reason: "node upgrade" }),
        expect.objectContaining({ pool: "gpu", paused: true, reason: "quota" }),
      ]);
      expect((await f.h.tick()).assigned).toBe(0);
      expect((await f.h.call("POST", "/fleet/pools/general/resume", asFleet)).json()).toMatchObject({ paused: false });
      expect((await f.h.tick()).assigned).toBe(1);
      expect((await f.job(b.id)).lease?.pool).toBe("general");
      expect(f.events.map((e) => e.type)).toContain("pool.resumed");
    });

    it("draining a pool withdraws its unaccepted assignments and tells its agents at renewal and heartbeat to finish and exit", async () => {
      const a = await f.submit(spec("a"));
      const running = await f.start(a.id);
      const b = await f.submit(spec("b"));
      await f.h.tick();
      const assigned = await f.job(b.id);
      expect(assigned.lease?.pool).toBe("general");
      await f.h.call("POST", "/fleet/pools/general/drain", { ...asFleet, body: { reason: "scale down for maintenance" } });
      await f.h.tick();
      const moved = await f.job(b.id);
      expect(moved.leaseEpoch).toBeGreaterThan(assigned.leaseEpoch);
      expect(moved.lease?.pool).toBe("gpu");
      const renewal = await f.renew(a.id, running.leaseEpoch);
      expect(renewal.drain).toMatchObject({ reason: "pool-draining" });
      expect(renewal).not.toHaveProperty("stop");
      const heartbeat = (await f.h.call("POST", "/fleet/factories/heartbeat", { as: "general", factoryId: "f-1", body: { load: 1, seats: 1 } })).json();
      expect(heartbeat.drain.message).toContain("scale down for maintenance");
      const gpuBeat = (await f.h.call("POST", "/fleet/factories/heartbeat", { as: "gpu", factoryId: "g-1", body: { load: 0, seats: 1 } })).json();
      expect(gpuBeat).not.toHaveProperty("drain");
      expect((await f.release(a.id, { leaseEpoch: running.leaseEpoch, outcome: "shipped" })).body.stage).toBe("shipped");
    });

    it("pauses and resumes a product through the pause routes; its jobs wait with the reason explained", async () => {
      const paused = await f.h.call("POST", "/fleet/products/acme/pause", { body: { reason: "security review" } });
      expect(paused.json()).toMatchObject({ productId: "acme", paused: true, pausedBy: "operator", mode: "finish", reason: "security review" });
      const a = await f.submit(spec("a"));
      expect((await f.h.tick()).assigned).toBe(0);
      const explain = (await f.h.call("GET", `/fleet/jobs/${a.id}/explain`)).json();
      expect(explain.flow.product).toMatchObject({ paused: true, pausedBy: "operator", reason: "security review" });
      expect((await f.h.call("GET", "/fleet/budgets/acme")).json()).toMatchObject({ paused: true, pauseReason: "security review" });
      await f.h.call("POST", "/fleet/products/acme/resume");
      expect((await f.h.tick()).assigned).toBe(1);
    });

    it("only a fleet-wide key pauses a pool; unknown pools are 404", async () => {
      const denied = await f.h.call("POST", "/fleet/pools/general/pause", { body: {} });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.message).toContain("fleet-wide");
      expect((await f.h.call("POST", "/fleet/pools/nowhere/pause", { ...asFleet, body: {} })).statusCode).toBe(404);
      expect((await f.h.call("POST", "/fleet/products/acme/pause", { as: "otherOperator", body: {} })).statusCode).toBe(403);
    });

    it("a pause sent without a body takes the defaults, as the routes document (a bare POST, or an empty JSON body)", async () => {
      const bare = { rawBody: "", headers: { "content-type": "application/json" } };
      const product = await f.h.call("POST", "/fleet/products/acme/pause");
      expect(product.statusCode, product.body).toBe(200);
      expect(product.json()).toMatchObject({ paused: true, mode: "finish", reason: "paused by an operator" });
      await f.h.call("POST", "/fleet/products/acme/resume");
      const budget = await f.h.call("POST", "/fleet/budgets/acme/pause", bare);
      expect(budget.statusCode, budget.body).toBe(200);
      for (const action of ["pause", "drain"]) {
        const pool = await f.h.call("POST", `/fleet/pools/gpu/${action}`, asFleet);
        expect(pool.statusCode, pool.body).toBe(200);
        expect(pool.json()).toMatchObject({ paused: true, draining: action === "drain", reason: "paused by an operator" });
      }
      const job = { bodyMd: "# audit\nRun it.", capabilities: ["lang:ts"] };
      expect((await f.h.call("PUT", "/fleet/schedules/audit", { body: { cron: "0 2 * * *", job } })).statusCode).toBe(201);
      const schedule = await f.h.call("POST", "/fleet/schedules/audit/pause", bare);
      expect(schedule.statusCode, schedule.body).toBe(200);
      expect(schedule.json()).toMatchObject({ paused: true, pausedReason: "paused by an operator" });
    });
  });
}
