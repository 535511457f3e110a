import { describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { leversFixture, type MakeStore, spec } from "./levers-fixture.js";

/** One pool of two seats shared by both test products, and a GPU pool of one seat. */
const sharedTopology = () =>
  parseTopology({
    topic: "assignments",
    preemption: { enabled: true, maxPerJob: 1 },
    pools: [
      { name: "general", capabilities: ["os:linux", "lang:ts"], image: "factory:test", seats: 1, maxReplicas: 2, workload: "scaledJob", acceptTimeoutSeconds: 60, leaseSeconds: 30 },
      { name: "gpu", capabilities: ["os:linux", "gpu"], image: "factory:test", seats: 1, maxReplicas: 1, workload: "scaledJob", acceptTimeoutSeconds: 60, leaseSeconds: 30 },
    ],
  });

/** Fair shares across products, and preemption for critical work, over the API. */
export function runFairnessSuite(name: string, makeStore: MakeStore): void {
  describe(`fairness and preemption on ${name}`, () => {
    const f = leversFixture(makeStore, sharedTopology);

    /** Runs assignments one seat-turn at a time: every assigned job is accepted and shipped.
     * Returns the products in the order their jobs were assigned (by assignment time, then id). */
    const serve = async (rounds: number): Promise<string[]> => {
      const order: string[] = [];
      for (let round = 0; round < rounds; round++) {
        await f.h.tick();
        const assigned = ((await f.h.call("GET", "/fleet/jobs?stage=assigned&limit=500", { as: "fleetOperator" })).json().items as JobDoc[]).sort(
          (a, b) => a.events.at(-1)!.seq - b.events.at(-1)!.seq || (a.id < b.id ? -1 : 1),
        );
        if (assigned.length === 0) break;
        for (const job of assigned) {
          order.push(job.productId);
          await f.accept(job.id, job.leaseEpoch, `f-${job.id}`);
          await f.release(job.id, { leaseEpoch: job.leaseEpoch, outcome: "shipped" }, `f-${job.id}`);
        }
        f.h.clock.advance(1000);
      }
      return order;
    };

    it("shares a pool between a product with many jobs and one with few, by weight", async () => {
      for (let i = 0; i < 30; i++) await f.submit(spec(`flood-${i}`, { priority: "high" }));
      f.h.clock.advance(60_000);
      for (let i = 0; i < 3; i++) await f.submit(spec(`few-${i}`, { priority: "low" }), "otherOperator");
      const order = await serve(4);
      // Two seats per round, alternating products: globex's three jobs are done in the first four rounds.
      expect(order.slice(0, 6).filter((p) => p === "globex")).toHaveLength(3);
      const flood = await f.submit(spec("flood-late"));
      const explain = (await f.h.call("GET", `/fleet/jobs/${flood.id}/explain`)).json();
      expect(explain.fairness).toMatchObject({ productId: "acme", share: 1, bypassed: false });
    });

    it("weights from the API change the shares: 3 to 1", async () => {
      const put = await f.h.call("PUT", "/fleet/weights/globex", { as: "otherOperator", body: { share: 3 } });
      expect(put.json()).toMatchObject({ productId: "globex", share: 3, sources: { share: "api" } });
      for (let i = 0; i < 20; i++) await f.submit(spec(`a-${i}`));
      for (let i = 0; i < 20; i++) await f.submit(spec(`g-${i}`), "otherOperator");
      const order = (await serve(4)).slice(0, 8);
      expect(order.filter((p) => p === "globex")).toHaveLength(6);
    });

    it("a critical job of any product goes before the rotation", async () => {
      for (let i = 0; i < 4; i++) await f.submit(spec(`a-${i}`));
      const urgent = await f.submit(spec("urgent", { priority: "critical" }), "otherOperator");
      await f.h.tick();
      expect((await f.h.call("GET", `/fleet/jobs/${urgent.id}`, { as: "otherOperator" })).json().stage).toBe("assigned");
      const explain = (await f.h.call("GET", `/fleet/jobs/${urgent.id}/explain`, { as: "otherOperator" })).json();
      expect(explain.fairness.bypassed).toBe(true);
    });

    it("preempts the lowest-scoring lower-priority running job for a critical one, keeping its checkpoint", async () => {
      const low = await f.submit(spec("low", { priority: "low" }));
      const medium = await f.submit(spec("medium", { priority: "medium" }));
      const lowRun = await f.start(low.id, "f-low");
      await f.h.tick();
      const mediumRun = await f.accept(medium.id, (await f.job(medium.id)).leaseEpoch, "f-medium");
      await f.h.call("PATCH", `/fleet/jobs/${low.id}`, { as: "general", factoryId: "f-low", body: { stage: "building", leaseEpoch: lowRun.leaseEpoch, checkpoint: { ref: "wip/low" } } });
      const critical = await f.submit(spec("critical", { priority: "critical" }), "otherOperator");
      await f.h.tick();
      const marked = await f.job(low.id);
      expect(marked.preemption).toMatchObject({ by: critical.id, pool: "general" });
      expect((await f.job(medium.id)).preemption).toBeUndefined();
      expect(await f.renew(medium.id, mediumRun.leaseEpoch, "f-medium")).not.toHaveProperty("stop");
      const renewal = await f.renew(low.id, lowRun.leaseEpoch, "f-low");
      expect(renewal.stop).toMatchObject({ reason: "preempted", preemptor: critical.id });
      // A second pass asks no second victim: one is already making room.
      await f.h.tick();
      expect((await f.job(medium.id)).preemption).toBeUndefined();
      const released = await f.release(low.id, { leaseEpoch: lowRun.leaseEpoch, outcome: "drained" }, "f-low");
      expect(released.body).toMatchObject({ stage: "queued", leaseEpoch: lowRun.leaseEpoch + 1 });
      const requeued = await f.job(low.id);
      expect(requeued.checkpoint).toEqual({ ref: "wip/low" });
      expect(requeued.preemptions).toBe(1);
      const preempted = requeued.events.find((e) => e.type === "preempted");
      expect(preempted?.data).toMatchObject({ victim: low.id, preemptor: critical.id });
      expect(f.events.filter((e) => e.type === "job.preempted")).toEqual([expect.objectContaining({ jobId: low.id, data: expect.objectContaining({ victim: low.id, preemptor: critical.id }) })]);
      await f.h.tick();
      expect((await f.h.call("GET", `/fleet/jobs/${critical.id}`, { as: "otherOperator" })).json()).toMatchObject({ stage: "assigned", lease: { pool: "general" } });
    });

    it("never preempts equal priority, a protected job, or on a pool that cannot run the critical job", async () => {
      const a = await f.submit(spec("a", { priority: "critical" }));
      const b = await f.submit(spec("b", { priority: "critical" }));
      await f.start(a.id, "f-a");
      await f.h.tick();
      await f.accept(b.id, (await f.job(b.id)).leaseEpoch, "f-b");
      await f.submit(spec("c", { priority: "critical" }), "otherOperator");
      await f.h.tick();
      expect((await f.job(a.id)).preemption).toBeUndefined();
      expect((await f.job(b.id)).preemption).toBeUndefined();
      // A GPU critical job cannot use the general pool, so its full seats are no reason to evict there.
      const gpuLow = await f.submit(spec("gpu-low", { capabilities: ["gpu"], priority: "low" }));
      await f.h.tick();
      const gpuRun = await f.accept(gpuLow.id, (await f.job(gpuLow.id)).leaseEpoch, "g-1", "gpu");
      const gpuCritical = await f.submit(spec("gpu-critical", { capabilities: ["gpu"], priority: "critical" }), "otherOperator");
      await f.h.tick();
      expect((await f.job(gpuLow.id)).preemption).toMatchObject({ by: gpuCritical.id, pool: "gpu" });
      await f.release(gpuLow.id, { leaseEpoch: gpuRun.leaseEpoch, outcome: "drained" }, "g-1", "gpu");
      await f.h.tick();
      // gpu-critical took the seat; gpu-low (preempted once, the limit) runs again and is now protected.
      await f.accept(gpuCritical.id, (await f.h.call("GET", `/fleet/jobs/${gpuCritical.id}`, { as: "otherOperator" })).json().leaseEpoch, "g-2", "gpu");
      await f.release(gpuCritical.id, { leaseEpoch: (await f.h.call("GET", `/fleet/jobs/${gpuCritical.id}`, { as: "otherOperator" })).json().leaseEpoch, outcome: "shipped" }, "g-2", "gpu");
      await f.h.tick();
      const again = await f.job(gpuLow.id);
      await f.accept(gpuLow.id, again.leaseEpoch, "g-3", "gpu");
      await f.submit(spec("gpu-critical-2", { capabilities: ["gpu"], priority: "critical" }), "otherOperator");
      await f.h.tick();
      expect((await f.job(gpuLow.id)).preemption).toBeUndefined();
      expect(f.h.app.coordinator.counters.preemptionsRequested).toBe(1);
    });
  });
}
