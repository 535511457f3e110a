import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JobDoc, Priority } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { PoolRegistry } from "../pools/pool-registry.js";
import { DEFAULT_STARVATION_AFTER_MS, DEFAULT_WEIGHTS } from "../scorer/index.js";
import { ReadyIndex } from "./ready-index.js";
import { Scheduler, type SchedulerJobs } from "./scheduler.js";

const T0 = Date.UTC(2026, 0, 1);

/** The fields the scheduler reads, as a job document (the rest never matters to selection). */
function readyJob(id: string, productId: string, priority: Priority, queuedAt: number): JobDoc {
  return { id, productId, priority, retries: 0, capabilities: ["lang:ts"], queuedAt, stage: "queued", leaseEpoch: 0, events: [], nextEventSeq: 0 } as unknown as JobDoc;
}

/** One pool, the real scheduler, ready index and pool registry over an in-memory job map. */
function world(seats: number, shares: Record<string, number>) {
  const topology = parseTopology({
    topic: "assignments",
    pools: [{ name: "general", capabilities: ["lang:ts"], image: "x", seats, maxReplicas: 1, workload: "scaledJob" }],
  });
  const pools = new PoolRegistry(topology);
  const ready = new ReadyIndex();
  const docs = new Map<string, JobDoc>();
  const jobs: SchedulerJobs = {
    cached: (id) => docs.get(id),
    commit: async (id, decide) => {
      const current = docs.get(id)!;
      const next = decide(current);
      if (next !== current) {
        docs.set(id, next);
        pools.observe(current, next);
        if (next.stage !== "queued") ready.remove(id);
      }
      return next;
    },
  };
  const scheduler = new Scheduler(jobs, ready, pools, {
    weightsFor: () => DEFAULT_WEIGHTS,
    starvationAfterMs: DEFAULT_STARVATION_AFTER_MS,
    shareOf: (productId) => shares[productId] ?? 1,
  });
  const add = (job: JobDoc) => {
    docs.set(job.id, job);
    ready.add(job);
  };
  /** Finishes the oldest assigned job, freeing its seat. */
  const finishOne = () => {
    for (const job of docs.values()) {
      if (job.stage !== "assigned") continue;
      const done = { ...job, stage: "shipped" } as JobDoc;
      delete (done as Partial<JobDoc>).lease;
      docs.set(job.id, done);
      pools.observe(job, done);
      return;
    }
  };
  return { scheduler, add, finishOne, docs };
}

describe("fair sharing across products (property)", () => {
  it("a product submitting 100,000 jobs cannot starve one that submits ten", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom<Priority>("high", "medium", "low"), { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom<Priority>("high", "medium", "low"), { minLength: 1, maxLength: 3 }),
        async (fewCount, seats, floodShare, fewShare, floodPriorities, fewPriorities) => {
          const w = world(seats, { flood: floodShare, few: fewShare });
          // The flood is older and, where drawn so, of higher priority: without fair shares it would win every seat.
          for (let i = 0; i < 100_000; i++) w.add(readyJob(`flood-${i}`, "flood", floodPriorities[i % floodPriorities.length]!, T0 + i));
          for (let i = 0; i < fewCount; i++) w.add(readyJob(`few-${i}`, "few", fewPriorities[i % fewPriorities.length]!, T0 + 200_000 + i));
          const now = T0 + 300_000;
          let assignments = 0;
          let fewServed = 0;
          // Between two services of `few`, `flood` is served at most ceil(floodShare / fewShare) + 1 times.
          const bound = fewCount * (Math.ceil(floodShare / fewShare) + 2) + seats;
          while (fewServed < fewCount && assignments <= bound) {
            assignments += await w.scheduler.assignReady(now, 1);
            fewServed = [...w.docs.values()].filter((job) => job.productId === "few" && job.stage !== "queued").length;
            w.finishOne();
          }
          expect(fewServed).toBe(fewCount);
          expect(assignments).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it("priority still orders work within a product, and a critical job of any product goes first", async () => {
    const w = world(1, {});
    w.add(readyJob("a-low", "acme", "low", T0));
    w.add(readyJob("a-high", "acme", "high", T0 + 10));
    w.add(readyJob("g-critical", "globex", "critical", T0 + 20));
    w.add(readyJob("g-medium", "globex", "medium", T0 + 5));
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await w.scheduler.assignReady(T0 + 1000, 1);
      order.push(...[...w.docs.values()].filter((j) => j.stage === "assigned").map((j) => j.id));
      w.finishOne();
    }
    expect(order[0]).toBe("g-critical");
    expect(order.indexOf("a-high")).toBeLessThan(order.indexOf("a-low"));
    expect(order).toHaveLength(4);
  });
});
