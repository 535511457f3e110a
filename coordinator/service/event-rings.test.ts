import { describe, expect, it } from "vitest";
import type { JobDoc, JobEvent } from "../../contracts/index.js";
import { withEvent } from "../lifecycle/job-events.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { FleetEventRing } from "./fleet-event-ring.js";
import { JobEventRing } from "./job-event-ring.js";
import { TerminalTally } from "./terminal-tally.js";

const more = (job: JobDoc, n: number): JobDoc => {
  let next = job;
  for (let i = 0; i < n; i++) next = withEvent(next, "stage", "factory", 1000 + i);
  return next;
};
const seqs = (events: readonly JobEvent[] | undefined) => events?.map((e) => e.seq);

describe("JobEventRing", () => {
  it("returns the events each commit added and answers resumes it fully holds", () => {
    const ring = new JobEventRing({ maxJobs: 10, eventsPerJob: 8 });
    const created = queuedJob({ id: "j1" });
    expect(seqs(ring.observe(undefined, created))).toEqual([0]);
    const next = more(created, 3);
    expect(seqs(ring.observe(created, next))).toEqual([1, 2, 3]);
    expect(seqs(ring.since("j1", -1)?.events)).toEqual([0, 1, 2, 3]);
    expect(seqs(ring.since("j1", 2)?.events)).toEqual([3]);
    expect(ring.since("j1", 3)?.events).toEqual([]);
    expect(ring.since("j1", 0)?.productId).toBe("acme");
    expect(ring.since("unknown", -1)).toBeUndefined();
    // A commit that changes no events adds none.
    expect(ring.observe(next, { ...next, priority: "high" })).toEqual([]);
  });

  it("keeps only the newest events per job and sends older resumes to the store", () => {
    const ring = new JobEventRing({ maxJobs: 10, eventsPerJob: 4 });
    const created = queuedJob({ id: "j1" });
    ring.observe(undefined, created);
    ring.observe(created, more(created, 9));
    expect(seqs(ring.since("j1", 5)?.events)).toEqual([6, 7, 8, 9]);
    expect(ring.since("j1", 4)).toBeUndefined();
    expect(ring.since("j1", -1)).toBeUndefined();
  });

  it("starts a job first seen mid-life from its inline tail, and restarts on a gap", () => {
    const ring = new JobEventRing({ maxJobs: 10, eventsPerJob: 32 });
    const old = more(queuedJob({ id: "j1" }), 5);
    const tail = { ...old, events: old.events.slice(3) };
    const next = more(tail, 1);
    expect(seqs(ring.observe(tail, next))).toEqual([6]);
    expect(seqs(ring.since("j1", 2)?.events)).toEqual([3, 4, 5, 6]);
    expect(ring.since("j1", 1)).toBeUndefined();
    // Changes this process did not see (another writer), then one it did: every event of the tail
    // it had not seen is new to it, and memory starts again from that tail.
    const elsewhere = more(next, 3);
    const later = { ...more(elsewhere, 1), events: more(elsewhere, 1).events.slice(-2) };
    expect(seqs(ring.observe(elsewhere, later))).toEqual([9, 10]);
    expect(seqs(ring.since("j1", 8)?.events)).toEqual([9, 10]);
    expect(ring.since("j1", 7)).toBeUndefined();
  });

  it("forgets the least recently changed job beyond maxJobs", () => {
    const ring = new JobEventRing({ maxJobs: 2, eventsPerJob: 8 });
    const a = queuedJob({ id: "a" });
    const b = queuedJob({ id: "b" });
    const c = queuedJob({ id: "c" });
    ring.observe(undefined, a);
    ring.observe(undefined, b);
    ring.observe(a, more(a, 1));
    ring.observe(undefined, c);
    expect(ring.size).toBe(2);
    expect(ring.since("b", -1)).toBeUndefined();
    expect(ring.since("a", -1)).toBeDefined();
  });
});

describe("FleetEventRing", () => {
  const event = { type: "pool.scale" as const, data: { pool: "p", at: "", desiredReplicas: 0, actualReplicas: 0, subscriptionActiveMessages: 0, inFlightLeases: 0, awaitingAccept: 0 } };

  it("replays exactly what followed an id of this process, and nothing it no longer holds", () => {
    const ring = new FleetEventRing(3);
    expect(ring.lastId).toBe(`${ring.boot}-0`);
    const ids = Array.from({ length: 5 }, () => ring.append({ event }).id);
    expect(ring.after(ids[4]!)).toEqual([]);
    expect(ring.after(ids[2]!)?.map((r) => r.id)).toEqual([ids[3], ids[4]]);
    expect(ring.after(ids[1]!)?.map((r) => r.id)).toEqual([ids[2], ids[3], ids[4]]);
    // Event 1 fell out of the ring: what followed it is not all held.
    expect(ring.after(ids[0]!)).toBeUndefined();
    expect(ring.after(`${ring.boot}-0`)).toBeUndefined();
    expect(ring.after(`${ring.boot}-99`)).toBeUndefined();
    expect(ring.after("another-3")).toBeUndefined();
    expect(ring.after("nonsense")).toBeUndefined();
  });
});

describe("TerminalTally", () => {
  it("counts endings per product and forgets them after an hour", () => {
    let now = 10 * 3_600_000;
    const tally = new TerminalTally(() => now);
    tally.count("acme", "shipped");
    tally.count("acme", "shipped");
    tally.count("globex", "failed");
    now += 30 * 60_000;
    tally.count("acme", "deadLettered");
    expect(tally.lastHour("acme")).toEqual({ shipped: 2, failed: 0, deadLettered: 1, cancelled: 0 });
    expect(tally.lastHour(undefined)).toEqual({ shipped: 2, failed: 1, deadLettered: 1, cancelled: 0 });
    now += 31 * 60_000;
    expect(tally.lastHour("acme")).toEqual({ shipped: 0, failed: 0, deadLettered: 1, cancelled: 0 });
    expect(tally.lastHour("nobody")).toEqual({ shipped: 0, failed: 0, deadLettered: 0, cancelled: 0 });
  });
});
