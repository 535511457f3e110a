import { describe, expect, it } from "vitest";
import { type JobDoc, WhyAnswer } from "../../contracts/index.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

/** GET /fleet/jobs/:id/why on every stage a job can wait in. */
export function whySuite(makeStore: MakeStore): void {
  describe("why a job waits", () => {
    const t = useApiHarness(makeStore);
    const why = async (id: string) => {
      const response = await t.h.call("GET", `/fleet/jobs/${id}/why`);
      expect(response.statusCode, response.body).toBe(200);
      return WhyAnswer.parse(response.json());
    };
    const submitted = async (key: string, extra: Record<string, unknown> = {}) => (await t.submit(spec(key, extra))).json().job as JobDoc;

    it("names unmet dependencies by key and stage", async () => {
      await submitted("build-api");
      const b = await submitted("deploy", { deps: ["build-api"] });
      const answer = await why(b.id);
      expect(answer).toMatchObject({ stage: "blocked", waiting: true, reasons: [{ code: "deps_unmet" }] });
      expect(answer.summary).toBe("waiting for 1 of 1 dependencies to reach shipped: build-api (queued)");
    });

    it("says every capable pool is at its capacity window, with the rank among ready jobs", async () => {
      const jobs: JobDoc[] = [];
      for (let i = 0; i < 8; i++) {
        jobs.push(await submitted(`k-${i}`));
        t.h.clock.advance(10);
      }
      await t.h.tick();
      const answer = await why(jobs[7]!.id);
      expect(answer.reasons[0]).toMatchObject({
        code: "capacity_window",
        facts: { pools: [{ pool: "general", inFlight: 4, capacity: 4 }, { pool: "gpu", inFlight: 2, capacity: 2 }], ahead: 1, position: 2 },
      });
      expect((await why(jobs[6]!.id)).reasons[0]!.facts.ahead).toBe(0);
    });

    it("says an assignment waits for an accept, then where it runs and since when, then how it finished", async () => {
      const job = await submitted("a");
      expect((await why(job.id)).reasons[0]!.code).toBe("next_pass");
      await t.h.tick();
      const assigned = await why(job.id);
      expect(assigned).toMatchObject({ stage: "assigned", waiting: true, reasons: [{ code: "awaiting_accept", facts: { pool: "general", since: new Date(t.h.clock.now()).toISOString() } }] });
      await t.h.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-9", body: { leaseEpoch: 1 } });
      const running = await why(job.id);
      expect(running).toMatchObject({ stage: "building", waiting: false, reasons: [{ code: "running", facts: { pool: "general", factoryId: "f-9" } }] });
      await t.h.call("POST", `/fleet/jobs/${job.id}/lease/release`, { as: "general", factoryId: "f-9", body: { leaseEpoch: 1, outcome: "retryable", message: "flaky test" } });
      const backoff = await why(job.id);
      expect(backoff.reasons[0]).toMatchObject({ code: "retry_backoff", facts: { retries: 1, retryMax: 3 } });
      expect(backoff.summary).toContain("flaky test");
      await t.h.call("POST", `/fleet/jobs/${job.id}/actions/cancel`, { body: { reason: "not needed" } });
      expect(await why(job.id)).toMatchObject({ waiting: false, summary: "finished: cancelled (not needed)" });
    });

    it("hides other products' jobs", async () => {
      const job = await submitted("a");
      expect((await t.h.call("GET", `/fleet/jobs/${job.id}/why`, { as: "otherOperator" })).statusCode).toBe(404);
    });
  });
}
