import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobDoc } from "../contracts/index.js";
import type { StorePort } from "../store/port.js";
import { type ApiHarness, startApiHarness } from "./support/api-harness.js";
import { deadLetterFilterSuite } from "./api-suite/dead-letter-filter-suite.js";
import { jobListSuite } from "./api-suite/job-list-suite.js";
import { operatorActionsSuite } from "./api-suite/operator-actions-suite.js";
import { responseSchemasSuite } from "./api-suite/response-schemas-suite.js";
import { controlSchemasSuite } from "./api-suite/control-schemas-suite.js";
import { submissionErrorsSuite } from "./api-suite/submission-errors-suite.js";
import { whySuite } from "./api-suite/why-suite.js";
import { batchSubmitSuite } from "./api-suite/batch-submit-suite.js";

type MakeStore = () => Promise<{ store: StorePort; cleanup(): Promise<void> }>;

const spec = (key: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  bodyMd: `# ${key}\nDo the thing.`,
  capabilities: ["lang:ts"],
  ...extra,
});

/** The coordinator's HTTP behaviour, run against every store adapter. */
export function runCoordinatorApiSuite(name: string, makeStore: MakeStore): void {
  describe(`coordinator API on ${name}`, () => {
    let h: ApiHarness;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const made = await makeStore();
      cleanup = made.cleanup;
      h = await startApiHarness(made.store);
    });
    afterEach(async () => {
      await h.close();
      await cleanup();
    });

    const submit = async (body: unknown, as: "operator" | "otherOperator" = "operator") => h.call("POST", "/fleet/jobs", { body, as });
    const getJob = async (id: string) => (await h.call("GET", `/fleet/jobs/${id}`)).json() as JobDoc;
    const accept = (id: string, epoch: number, factoryId = "f-1", as: "general" | "gpu" = "general") =>
      h.call("POST", `/fleet/jobs/${id}/lease/accept`, { as, factoryId, body: { leaseEpoch: epoch } });
    const patch = (id: string, body: unknown, factoryId = "f-1") => h.call("PATCH", `/fleet/jobs/${id}`, { as: "general", factoryId, body });
    const release = (id: string, body: unknown, factoryId = "f-1") =>
      h.call("POST", `/fleet/jobs/${id}/lease/release`, { as: "general", factoryId, body });
    const runToShipped = async (id: string) => {
      await h.tick();
      const job = await getJob(id);
      expect(job.stage).toBe("assigned");
      expect((await accept(id, job.leaseEpoch)).statusCode).toBe(200);
      expect((await release(id, { leaseEpoch: job.leaseEpoch, outcome: "shipped" })).statusCode).toBe(200);
    };
    const writes = () => {
      const ops = h.store.stats().ops;
      return ops.create + ops.replace + ops.upsert + ops.delete;
    };

    describe("idempotent submit", () => {
      it("returns the existing job for the same key and content", async () => {
        const first = await submit(spec("a"));
        expect(first.statusCode).toBe(201);
        const again = await submit(spec("a"));
        expect(again.statusCode).toBe(200);
        expect(again.json().outcome).toBe("existing");
        expect(again.json().job.id).toBe(first.json().job.id);
      });

      it("supersedes a queued job whose content changed", async () => {
        const first = (await submit(spec("a"))).json().job as JobDoc;
        const changed = await submit(spec("a", { bodyMd: "changed", priority: "high" }));
        expect(changed.statusCode).toBe(200);
        expect(changed.json().outcome).toBe("superseded");
        const job = await getJob(first.id);
        expect(job.revision).toBe(2);
        expect(job.bodyMd).toBe("changed");
        expect(job.priority).toBe("high");
      });

      it("rejects changed content once the job was assigned, leaving it unchanged", async () => {
        const first = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        const before = await getJob(first.id);
        expect(before.stage).toBe("assigned");
        const changed = await submit(spec("a", { bodyMd: "changed" }));
        expect(changed.statusCode).toBe(409);
        expect(changed.json().error.code).toBe("IDEMPOTENCY_CONFLICT");
        expect(await getJob(first.id)).toEqual(before);
      });

      it("keeps products apart: the same key in two products makes two jobs", async () => {
        const a = (await submit(spec("shared"))).json().job as JobDoc;
        const b = (await submit(spec("shared"), "otherOperator")).json().job as JobDoc;
        expect(a.id).not.toBe(b.id);
        expect((await h.call("GET", `/fleet/jobs/${b.id}`)).statusCode).toBe(404);
      });
    });

    describe("dependencies", () => {
      it("blocks on a hard dependency until it ships", async () => {
        const a = (await submit(spec("a"))).json().job as JobDoc;
        const b = (await submit(spec("b", { deps: ["a"] }))).json().job as JobDoc;
        expect(b.stage).toBe("blocked");
        await runToShipped(a.id);
        await h.tick();
        expect((await getJob(b.id)).stage).not.toBe("blocked");
      });

      it("soft mode unblocks when the dependency reaches testing", async () => {
        const a = (await submit(spec("a"))).json().job as JobDoc;
        const b = (await submit(spec("b", { deps: ["a"], depsMode: "soft" }))).json().job as JobDoc;
        const hard = (await submit(spec("c", { deps: ["a"] }))).json().job as JobDoc;
        await h.tick();
        const assigned = await getJob(a.id);
        await accept(a.id, assigned.leaseEpoch);
        expect((await patch(a.id, { stage: "testing", leaseEpoch: assigned.leaseEpoch })).statusCode).toBe(200);
        await h.tick();
        expect((await getJob(b.id)).stage).not.toBe("blocked");
        expect((await getJob(hard.id)).stage).toBe("blocked");
      });

      it("rejects an unknown dependency and writes nothing", async () => {
        const before = writes();
        const response = await submit(spec("b", { deps: ["missing"] }));
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe("UNKNOWN_DEPENDENCY");
        expect(writes()).toBe(before);
      });

      it("rejects a cycle made by superseding a queued job, leaving it unchanged", async () => {
        const a = (await submit(spec("a"))).json().job as JobDoc;
        await submit(spec("b", { deps: ["a"] }));
        const before = await getJob(a.id);
        const response = await submit(spec("a", { deps: ["b"] }));
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe("DEPENDENCY_CYCLE");
        expect(response.json().error.message).toMatch(/cycle/);
        expect(await getJob(a.id)).toEqual(before);
      });

      it("rejects a child that depends on its own parent", async () => {
        const response = await submit({ ...spec("p"), children: [spec("c1", { deps: ["p"] })] });
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe("DEPENDENCY_CYCLE");
      });

      it("blocks a composite job on its children and releases it when they ship", async () => {
        const response = await submit({ ...spec("p"), children: [spec("c1"), spec("c2")] });
        expect(response.statusCode).toBe(201);
        const parent = response.json().job as JobDoc;
        expect(parent.stage).toBe("blocked");
        expect(parent.kind).toBe("composite");
        const [c1, c2] = response.json().children as { id: string }[];
        await runToShipped(c1!.id);
        await h.tick();
        expect((await getJob(parent.id)).stage).toBe("blocked");
        await runToShipped(c2!.id);
        await h.tick();
        expect((await getJob(parent.id)).stage).not.toBe("blocked");
        const dag = (await h.call("GET", `/fleet/jobs/${parent.id}/dag`)).json();
        expect(dag.nodes).toHaveLength(3);
      });
    });

    describe("leases and fencing", () => {
      it("runs a job through its whole lifecycle", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        const assigned = await getJob(job.id);
        expect(assigned.stage).toBe("assigned");
        expect(assigned.leaseEpoch).toBe(1);
        expect(assigned.outbox).toEqual({ epoch: 1, pool: "general", at: h.clock.now() });
        expect((await accept(job.id, 1)).json().stage).toBe("building");
        expect((await patch(job.id, { stage: "building", leaseEpoch: 1 })).statusCode).toBe(200);
        expect((await patch(job.id, { stage: "review", leaseEpoch: 1 })).statusCode).toBe(200);
        expect((await patch(job.id, { stage: "testing", leaseEpoch: 1 })).statusCode).toBe(200);
        const released = await release(job.id, { leaseEpoch: 1, outcome: "shipped", insights: { tokensIn: 10, costUsd: 0.5 } });
        expect(released.json().stage).toBe("shipped");
        const runs = (await h.call("GET", `/fleet/jobs/${job.id}/runs`)).json().items;
        expect(runs).toHaveLength(1);
        expect(runs[0].result).toBe("shipped");
        const events = (await h.call("GET", `/fleet/jobs/${job.id}/events`)).json().items as { type: string }[];
        expect(events.map((e) => e.type)).toEqual(["submitted", "assigned", "accepted", "stage", "stage", "shipped"]);
        // A retried release is a no-op, not an error.
        expect((await release(job.id, { leaseEpoch: 1, outcome: "shipped" })).statusCode).toBe(200);
      });

      it("rejects a stale epoch with 409 and leaves the job unchanged", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        await accept(job.id, 1);
        h.clock.advance(31_000);
        await h.tick();
        const requeued = await getJob(job.id);
        expect(requeued.leaseEpoch).toBe(2);
        const stale = await patch(job.id, { stage: "review", leaseEpoch: 1 });
        expect(stale.statusCode).toBe(409);
        expect(stale.json().error.code).toBe("STALE_EPOCH");
        const staleRelease = await release(job.id, { leaseEpoch: 1, outcome: "shipped" });
        expect(staleRelease.statusCode).toBe(409);
        expect(await getJob(job.id)).toEqual(requeued);
        expect(h.app.coordinator.counters.fencedRejections).toBe(2);
      });

      it("lets exactly one of 20 concurrent accepts of one epoch win", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => accept(job.id, 1, `factory-${i}`)));
        const winners = responses.filter((r) => r.statusCode === 200);
        expect(winners).toHaveLength(1);
        const losers = responses.filter((r) => r.statusCode === 409);
        expect(losers).toHaveLength(19);
        for (const loser of losers) expect(loser.json().error.code).toBe("LEASE_TAKEN");
        const stored = await getJob(job.id);
        expect(stored.lease?.factoryId).toBe(winners[0]!.json().lease.factoryId);
        expect(stored.runs).toHaveLength(1);
      });

      it("hides a job from a factory that does not hold its lease, and refuses another pool", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        await accept(job.id, 1, "f-a");
        const other = await patch(job.id, { stage: "review", leaseEpoch: 1 }, "f-b");
        expect(other.statusCode).toBe(404);
        const wrongPool = await accept(job.id, 1, "f-gpu", "gpu");
        expect(wrongPool.statusCode).toBe(403);
      });

      it("reaps an expired lease back to queued with epoch + 1 and the checkpoint, idempotently", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        await accept(job.id, 1);
        await patch(job.id, { stage: "building", leaseEpoch: 1, checkpoint: { ref: "wip/a", commit: "abc123" } });
        h.clock.advance(31_000);
        const first = await h.app.coordinator.reapExpiredLeases(h.clock.now());
        expect(first).toBe(1);
        const reaped = await getJob(job.id);
        expect(reaped.stage).toBe("queued");
        expect(reaped.leaseEpoch).toBe(2);
        expect(reaped.checkpoint).toEqual({ ref: "wip/a", commit: "abc123" });
        // A lost lease is no failure: it consumes no retry and is counted as a lost lease.
        expect(reaped.retries).toBe(0);
        expect(reaped.leaseLosses).toBe(1);
        expect(reaped.runs[0]?.result).toBe("expired");
        const writesBefore = writes();
        expect(await h.app.coordinator.reapExpiredLeases(h.clock.now())).toBe(0);
        expect(await getJob(job.id)).toEqual(reaped);
        expect(writes()).toBe(writesBefore);
      });

      it("requeues an assignment nobody accepted in time, without consuming a retry", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        h.clock.advance(61_000);
        await h.app.coordinator.reapExpiredLeases(h.clock.now());
        const requeued = await getJob(job.id);
        expect(requeued.stage).toBe("queued");
        expect(requeued.leaseEpoch).toBe(2);
        expect(requeued.retries).toBe(0);
      });

      it("backs off a retryable failure and dead-letters once retries run out", async () => {
        const job = (await submit(spec("a", { retry: { max: 1, backoffSeconds: 10, backoffMaxSeconds: 60 } }))).json().job as JobDoc;
        await h.tick();
        await accept(job.id, 1);
        const failed = await release(job.id, { leaseEpoch: 1, outcome: "retryable", message: "tests failed" });
        expect(failed.json().stage).toBe("queued");
        expect((await h.tick()).assigned).toBe(0);
        h.clock.advance(10_000);
        expect((await h.tick()).assigned).toBe(1);
        // Requeue bumped the epoch to 2, the new assignment to 3.
        const reassigned = await getJob(job.id);
        expect(reassigned.leaseEpoch).toBe(3);
        await accept(job.id, 3);
        const last = await release(job.id, { leaseEpoch: 3, outcome: "retryable", message: "tests failed again" });
        expect(last.json().stage).toBe("dead_letter");
        const dead = await getJob(job.id);
        expect(dead.deadLetter?.reason).toBe("RetriesExhausted");
        expect(dead.deadLetter?.source).toBe("retries");
      });

      it("never assigns a job to a pool without its capabilities", async () => {
        const gpuJob = (await submit(spec("g", { capabilities: ["gpu"] }))).json().job as JobDoc;
        await h.tick();
        expect((await getJob(gpuJob.id)).lease?.pool).toBe("gpu");
        const none = await submit(spec("x", { capabilities: ["os:windows"] }));
        expect(none.statusCode).toBe(400);
        expect(none.json().error.message).toMatch(/no pool offers/);
      });
    });

    describe("operators", () => {
      it("cancels, requeues and ships with the operator actions", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        await h.tick();
        const cancelled = await h.call("POST", `/fleet/jobs/${job.id}/actions/cancel`, { body: { reason: "not needed" } });
        expect(cancelled.json().stage).toBe("cancelled");
        const requeued = await h.call("POST", `/fleet/jobs/${job.id}/actions/requeue`, { body: {} });
        expect(requeued.json().stage).toBe("queued");
        expect(requeued.json().leaseEpoch).toBe(2);
        const shipped = await h.call("POST", `/fleet/jobs/${job.id}/actions/ship`, { body: {} });
        expect(shipped.json().stage).toBe("shipped");
        const again = await h.call("POST", `/fleet/jobs/${job.id}/actions/cancel`, { body: {} });
        expect(again.statusCode).toBe(409);
        expect(again.json().error.code).toBe("ILLEGAL_TRANSITION");
      });

      it("explains every score term and pool decision", async () => {
        const job = (await submit(spec("a"))).json().job as JobDoc;
        const explain = await h.call("GET", `/fleet/jobs/${job.id}/explain?priority=20`);
        expect(explain.statusCode).toBe(200);
        const text = JSON.stringify(explain.json());
        for (const term of ["age", "priority", "retries", "capabilities", "starvation"]) expect(text).toContain(term);
        const pools = (await h.call("GET", "/fleet/pools")).json().items as { name: string }[];
        expect(pools.map((p) => p.name)).toEqual(["general", "gpu"]);
      });
    });

    describe("dead letters", () => {
      const exhaust = async (key: string) => {
        const job = (await submit(spec(key, { retry: { max: 0, backoffSeconds: 1, backoffMaxSeconds: 1 } }))).json().job as JobDoc;
        await h.tick();
        const epoch = (await getJob(job.id)).leaseEpoch;
        await accept(job.id, epoch);
        await release(job.id, { leaseEpoch: epoch, outcome: "retryable", message: "boom" });
        return job;
      };

      it("lists, shows, discards and replays dead letters; bulk replay has a dry run", async () => {
        const a = await exhaust("dl-a");
        const b = await exhaust("dl-b");
        const list = (await h.call("GET", "/fleet/dlq?reason=RetriesExhausted")).json();
        expect(list.items.map((i: { jobId: string }) => i.jobId).sort()).toEqual([a.id, b.id].sort());
        expect((await h.call("GET", `/fleet/dlq/${a.id}`)).json()).toMatchObject({ jobId: a.id, source: "retries", reason: "RetriesExhausted" });
        expect((await h.call("GET", "/fleet/dlq", { as: "otherOperator" })).json().items).toHaveLength(0);
        expect((await h.call("POST", `/fleet/dlq/${b.id}/discard`, { body: { reason: "not needed" } })).statusCode).toBe(200);
        expect((await h.call("GET", "/fleet/dlq")).json().items.map((i: { jobId: string }) => i.jobId)).toEqual([a.id]);
        const dry = (await h.call("POST", "/fleet/dlq/replay", { body: { filter: { reason: "RetriesExhausted" } } })).json();
        expect(dry).toMatchObject({ dryRun: true, matched: 1 });
        expect((await getJob(a.id)).stage).toBe("dead_letter");
        const bulk = (await h.call("POST", "/fleet/dlq/replay", { body: { filter: { reason: "RetriesExhausted" }, dryRun: false } })).json();
        expect(bulk).toMatchObject({ dryRun: false, replayed: [a.id], failed: [] });
        const replayed = await getJob(a.id);
        expect(replayed.stage).toBe("queued");
        expect(replayed.retries).toBe(0);
        // It exists and is queued again: replaying it is a conflict with its stage, not a missing job.
        expect((await h.call("POST", `/fleet/dlq/${a.id}/replay`)).statusCode).toBe(409);
      });
    });

    describe("authentication", () => {
      it("rejects missing, wrong and revoked tokens, and the wrong role", async () => {
        const none = await h.server.inject({ method: "GET", url: "/fleet/jobs" });
        expect(none.statusCode).toBe(401);
        const wrong = await h.server.inject({ method: "GET", url: "/fleet/jobs", headers: { authorization: "Bearer op-acme.AAAAAAAAAAAAAAAAAAAAAAAA" } });
        expect(wrong.statusCode).toBe(401);
        const revoked = await h.call("POST", "/fleet/factories/heartbeat", { as: "revoked", factoryId: "f-1", body: { load: 0, seats: 1 } });
        expect(revoked.statusCode).toBe(401);
        const factoryOnOperatorRoute = await h.call("GET", "/fleet/jobs", { as: "general", factoryId: "f-1" });
        expect(factoryOnOperatorRoute.statusCode).toBe(403);
        const heartbeat = await h.call("POST", "/fleet/factories/heartbeat", { as: "general", factoryId: "f-1", body: { load: 0, seats: 1 } });
        expect(heartbeat.statusCode).toBe(200);
      });
    });

    describe("bad input", () => {
      const cases: { name: string; rawBody?: string; body?: unknown; status: number; mentions: string }[] = [
        { name: "malformed JSON", rawBody: '{"bodyMd": "x",', status: 400, mentions: "JSON" },
        { name: "an unknown field", body: { bodyMd: "x", colour: "blue" }, status: 400, mentions: "colour" },
        { name: "a wrong type", body: { bodyMd: "x", priority: 7 }, status: 400, mentions: "priority" },
        { name: "a bad enum", body: { bodyMd: "x", priority: "urgent" }, status: 400, mentions: "priority" },
        { name: "an over-long string", body: { bodyMd: "x", title: "t".repeat(201) }, status: 400, mentions: "title" },
        { name: "a missing field", body: { title: "no body" }, status: 400, mentions: "bodyMd" },
        { name: "an oversized body", body: { bodyMd: "x".repeat(300 * 1024) }, status: 413, mentions: "larger" },
      ];
      for (const c of cases) {
        it(`answers ${c.status} naming the problem for ${c.name}, writing nothing`, async () => {
          const before = writes();
          const response = await h.call("POST", "/fleet/jobs", { ...(c.rawBody === undefined ? { body: c.body } : { rawBody: c.rawBody }) });
          expect(response.statusCode).toBe(c.status);
          expect(response.json().error.message).toContain(c.mentions);
          expect(writes()).toBe(before);
          expect((await h.call("GET", "/fleet/jobs")).json().items).toHaveLength(0);
        });
      }

      it("rejects a bad epoch type on a factory call", async () => {
        const response = await h.call("POST", "/fleet/jobs/j-1/lease/accept", { as: "general", factoryId: "f-1", body: { leaseEpoch: "one" } });
        expect(response.statusCode).toBe(400);
        expect(response.json().error.message).toContain("leaseEpoch");
      });
    });

    operatorActionsSuite(makeStore);
    deadLetterFilterSuite(makeStore);
    submissionErrorsSuite(makeStore);
    jobListSuite(makeStore);
    whySuite(makeStore);
    responseSchemasSuite(makeStore);
    controlSchemasSuite(makeStore);
    batchSubmitSuite(makeStore);
  });
}
