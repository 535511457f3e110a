import { describe, expect, it } from "vitest";
import { LIMITS, type JobDoc } from "../../contracts/index.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

interface Result {
  index: number;
  status: number;
  outcome?: string;
  job?: { id: string; idempotencyKey: string; stage: string };
  error?: { code: string; message: string };
}

/** POST /fleet/jobs/batch: a result per spec, each what a single submit would have answered. */
export function batchSubmitSuite(makeStore: MakeStore): void {
  describe("batch submit", () => {
    const t = useApiHarness(makeStore);
    const batch = (jobs: unknown[], as: "operator" | "otherOperator" = "operator") => t.h.call("POST", "/fleet/jobs/batch", { body: { jobs }, as });
    const results = async (jobs: unknown[]) => {
      const response = await batch(jobs);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { results: Result[]; created: number; existing: number; superseded: number; failed: number };
    };
    const queued = async () => {
      const active = (await t.h.call("GET", "/fleet/jobs?limit=1")).json().totals.active as Record<string, number>;
      return (active.queued ?? 0) + (active.blocked ?? 0);
    };

    it(`creates ${LIMITS.batchJobs} jobs in one call, one write each, results in input order`, async () => {
      // A load tester: an operator key's limit (200/s, burst 400) admits one such batch, then makes it wait.
      const tester = (await t.h.call("POST", "/fleet/operators", { body: { role: "load-tester" } })).json().token as string;
      const jobs = Array.from({ length: LIMITS.batchJobs }, (_, i) => spec(`bulk-${i}`));
      const before = t.writes();
      const response = await t.h.call("POST", "/fleet/jobs/batch", { token: tester, body: { jobs } });
      expect(response.statusCode, response.body).toBe(200);
      const answer = response.json() as { results: Result[]; created: number };
      expect(answer).toMatchObject({ created: LIMITS.batchJobs, existing: 0, superseded: 0, failed: 0 });
      expect(answer.results.map((r) => r.index)).toEqual(jobs.map((_, i) => i));
      expect(answer.results.map((r) => r.job?.idempotencyKey)).toEqual(jobs.map((job) => job.idempotencyKey));
      expect(answer.results.every((r) => r.status === 201 && r.outcome === "created" && r.job?.stage === "queued")).toBe(true);
      expect(t.writes() - before).toBe(LIMITS.batchJobs);
      expect(await queued()).toBe(LIMITS.batchJobs);
      const last = await t.getJob(answer.results.at(-1)!.job!.id);
      expect(last.idempotencyKey).toBe(`bulk-${LIMITS.batchJobs - 1}`);
    }, 120_000);

    it("fails only the bad specs, each with the code and message a single submit gives", async () => {
      const bad = [
        { idempotencyKey: "no-body", capabilities: ["lang:ts"] },
        spec("unknown-dep", { deps: ["nowhere"] }),
        spec("no-pool", { capabilities: ["cobol"] }),
        spec("bad-field", { colour: "blue" }),
      ];
      const answer = await results([spec("good-1"), ...bad, spec("good-2", { deps: ["good-1"] })]);
      expect(answer).toMatchObject({ created: 2, failed: 4 });
      expect(answer.results[0]).toMatchObject({ index: 0, status: 201, outcome: "created" });
      expect(answer.results[5]).toMatchObject({ index: 5, status: 201, outcome: "created", job: { idempotencyKey: "good-2", stage: "blocked" } });
      for (const [i, body] of bad.entries()) {
        const single = await t.submit(body);
        expect(single.statusCode).toBeGreaterThanOrEqual(400);
        expect(answer.results[i + 1]).toEqual({ index: i + 1, status: single.statusCode, error: single.json().error });
      }
      expect(answer.results.slice(1, 5).map((r) => r.error?.code)).toEqual(["VALIDATION", "UNKNOWN_DEPENDENCY", "VALIDATION", "VALIDATION"]);
      expect(await queued()).toBe(2);
    });

    it("resubmits the same batch idempotently: every spec existing, nothing written; changed content follows the single-submit rules", async () => {
      const jobs = Array.from({ length: 50 }, (_, i) => spec(`again-${i}`, i > 0 ? { deps: [`again-${i - 1}`], depsMode: "soft" } : {}));
      expect((await results(jobs)).created).toBe(50);
      const before = t.writes();
      const again = await results(jobs);
      expect(again).toMatchObject({ created: 0, existing: 50, failed: 0 });
      expect(again.results.every((r) => r.status === 200 && r.outcome === "existing")).toBe(true);
      expect(t.writes()).toBe(before);
      expect(await queued()).toBe(50);

      // again-0 is assigned now: changing it is a conflict; a queued one is superseded in place.
      await t.h.tick();
      expect((await t.getJob(again.results[0]!.job!.id)).stage).toBe("assigned");
      const changed = await results([spec("again-0", { bodyMd: "changed" }), spec("again-7", { bodyMd: "changed", deps: ["again-6"], depsMode: "soft" })]);
      expect(changed.results[0]).toMatchObject({ status: 409, error: { code: "IDEMPOTENCY_CONFLICT" } });
      expect(changed.results[0]!.error!.message).toContain("'again-0' already exists with different content");
      expect(changed.results[1]).toMatchObject({ status: 200, outcome: "superseded" });
      expect((await t.getJob(changed.results[1]!.job!.id)).bodyMd).toBe("changed");
      expect(await queued()).toBe(49);
    });

    it("submits specs after the specs of the batch they depend on, whatever their order", async () => {
      const answer = await results([spec("c", { deps: ["b"] }), spec("b", { deps: ["a"] }), spec("a"), spec("d", { deps: ["a", "c"] })]);
      expect(answer.failed).toBe(0);
      expect(answer.results.map((r) => [r.job?.idempotencyKey, r.job?.stage])).toEqual([
        ["c", "blocked"],
        ["b", "blocked"],
        ["a", "queued"],
        ["d", "blocked"],
      ]);
      const d = (await t.getJob(answer.results[3]!.job!.id)) as JobDoc;
      expect(d.deps.sort()).toEqual([answer.results[0]!.job!.id, answer.results[2]!.job!.id].sort());
    });

    it("names a cycle among the batch's keys and fails only the specs on it (and what needs them)", async () => {
      const before = t.writes();
      const answer = await results([spec("x", { deps: ["z"] }), spec("y", { deps: ["x"] }), spec("z", { deps: ["y"] }), spec("w", { deps: ["x"] }), spec("free")]);
      for (const i of [0, 1, 2]) {
        expect(answer.results[i]).toMatchObject({ status: 400, error: { code: "DEPENDENCY_CYCLE" } });
        expect(answer.results[i]!.error!.message).toMatch(/dependencies form a cycle: (x|y|z) -> (x|y|z) -> (x|y|z) -> (x|y|z)/);
      }
      expect(answer.results[3]).toMatchObject({ status: 400, error: { code: "UNKNOWN_DEPENDENCY" } });
      expect(answer.results[3]!.error!.message).toContain("'w' depends on 'x'");
      expect(answer.results[4]).toMatchObject({ status: 201, outcome: "created" });
      expect(t.writes() - before).toBe(1);
    });

    it("fails the later of two specs with the same key", async () => {
      const answer = await results([spec("twice"), spec("other"), spec("twice", { bodyMd: "again" })]);
      expect(answer.results.map((r) => r.status)).toEqual([201, 201, 400]);
      expect(answer.results[2]!.error!.message).toContain("'twice' is already used by jobs[0] of this batch");
    });

    it("refuses a malformed envelope with 400 and a body over the limit with 413, writing nothing", async () => {
      const before = t.writes();
      const over = await batch(Array.from({ length: LIMITS.batchJobs + 500 }, (_, i) => spec(`over-${i}`)));
      expect(over.statusCode).toBe(400);
      expect(over.json().error.message).toContain(`jobs must hold 1 to ${LIMITS.batchJobs} job specs; got ${LIMITS.batchJobs + 500}`);
      const empty = await batch([]);
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.message).toContain("got 0");
      const noJobs = await t.h.call("POST", "/fleet/jobs/batch", { body: spec("a") });
      expect(noJobs.statusCode).toBe(400);
      expect(noJobs.json().error.message).toContain("a batch holds only 'jobs'");
      const huge = await batch(Array.from({ length: 100 }, (_, i) => spec(`huge-${i}`, { bodyMd: "x".repeat(LIMITS.bodyMdChars) })));
      expect(huge.statusCode).toBe(413);
      expect(huge.json().error.message).toContain(`${LIMITS.batchBodyBytes / 1024} KB limit`);
      expect(t.writes()).toBe(before);
    });

    it("keeps products apart: a product's key submits to its product only", async () => {
      const acme = (await results([spec("mine")])).results[0]!;
      const globex = (await batch([spec("mine")], "otherOperator")).json().results[0] as Result;
      expect(globex).toMatchObject({ status: 201, outcome: "created" });
      expect(globex.job!.id).not.toBe(acme.job!.id);
      expect((await t.h.call("GET", `/fleet/jobs/${globex.job!.id}`)).statusCode).toBe(404);
      expect((await t.h.call("GET", `/fleet/jobs/${globex.job!.id}`, { as: "otherOperator" })).json().productId).toBe("globex");
    });
  });
}
