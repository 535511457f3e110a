import { describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

/** Operator actions and dead-letter calls whose body is optional, and the states they refuse. */
export function operatorActionsSuite(makeStore: MakeStore): void {
  describe("operator actions", () => {
    const t = useApiHarness(makeStore);
    const bodyless = (url: string) => t.h.server.inject({ method: "POST", url, headers: { authorization: `Bearer ${t.h.tokens.operator}` } });
    const emptyJson = (url: string) =>
      t.h.server.inject({ method: "POST", url, headers: { authorization: `Bearer ${t.h.tokens.operator}`, "content-type": "application/json" }, payload: "" });

    it("accepts an action with no body, an empty body and {}", async () => {
      const ids: string[] = [];
      for (const key of ["a", "b", "c"]) ids.push(((await t.submit(spec(key))).json().job as JobDoc).id);
      const none = await bodyless(`/fleet/jobs/${ids[0]}/actions/cancel`);
      expect(none.statusCode, none.body).toBe(200);
      expect(none.json().stage).toBe("cancelled");
      const empty = await emptyJson(`/fleet/jobs/${ids[1]}/actions/cancel`);
      expect(empty.statusCode, empty.body).toBe(200);
      const object = await t.h.call("POST", `/fleet/jobs/${ids[2]}/actions/cancel`, { body: {} });
      expect(object.statusCode, object.body).toBe(200);
      const reason = await t.h.call("POST", `/fleet/jobs/${ids[0]}/actions/requeue`, { body: { reason: "try again" } });
      expect(reason.json().stageReason).toBe("try again");
    });

    it("still refuses a body that is not an object, naming the body", async () => {
      const job = (await t.submit(spec("a"))).json().job as JobDoc;
      const response = await t.h.call("POST", `/fleet/jobs/${job.id}/actions/cancel`, { rawBody: "[1]" });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain("body");
      expect(response.json().error.message).not.toMatch(/Invalid input|received/);
    });

    it("ships twice without an error and without a second write", async () => {
      const job = (await t.submit(spec("a"))).json().job as JobDoc;
      const first = await bodyless(`/fleet/jobs/${job.id}/actions/ship`);
      expect(first.statusCode, first.body).toBe(200);
      const writes = t.writes();
      const second = await bodyless(`/fleet/jobs/${job.id}/actions/ship`);
      expect(second.statusCode, second.body).toBe(200);
      expect(second.json().stage).toBe("shipped");
      expect(t.writes()).toBe(writes);
    });

    it("discards a dead letter with no body, an empty body and {}", async () => {
      const jobs = [await t.deadLetter("d1"), await t.deadLetter("d2"), await t.deadLetter("d3")];
      expect((await bodyless(`/fleet/dlq/${jobs[0]!.id}/discard`)).statusCode).toBe(200);
      expect((await emptyJson(`/fleet/dlq/${jobs[1]!.id}/discard`)).statusCode).toBe(200);
      expect((await t.h.call("POST", `/fleet/dlq/${jobs[2]!.id}/discard`, { body: {} })).statusCode).toBe(200);
      expect((await t.h.call("GET", "/fleet/dlq")).json().items).toEqual([]);
    });

    it("answers 409 naming the stage when replaying or discarding a job that is not a dead letter", async () => {
      const job = (await t.submit(spec("a"))).json().job as JobDoc;
      for (const action of ["replay", "discard"]) {
        const response = await bodyless(`/fleet/dlq/${job.id}/${action}`);
        expect(response.statusCode, action).toBe(409);
        expect(response.json().error.code).toBe("ILLEGAL_TRANSITION");
        expect(response.json().error.message).toContain("'queued'");
      }
      expect((await bodyless("/fleet/dlq/j-nosuchjob/replay")).statusCode).toBe(404);
    });

    it("discards dead letters in bulk by filter, after a dry run that changes nothing", async () => {
      const a = await t.deadLetter("d1");
      const b = await t.deadLetter("d2");
      const dry = await t.h.call("POST", "/fleet/dlq/discard", { body: { filter: { reason: "RetriesExhausted" } } });
      expect(dry.json()).toMatchObject({ dryRun: true, matched: 2 });
      expect((await t.h.call("GET", "/fleet/dlq")).json().items).toHaveLength(2);
      const done = await t.h.call("POST", "/fleet/dlq/discard", { body: { filter: { reason: "RetriesExhausted" }, dryRun: false, reason: "known flake" } });
      expect(done.json()).toMatchObject({ dryRun: false, matched: 2, failed: [] });
      expect([...done.json().discarded].sort()).toEqual([a.id, b.id].sort());
      expect((await t.h.call("GET", "/fleet/dlq")).json().items).toEqual([]);
      expect((await t.h.call("GET", "/fleet/dlq?includeDiscarded=true")).json().items).toHaveLength(2);
    });
  });
}
