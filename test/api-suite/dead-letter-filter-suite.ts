import { describe, expect, it } from "vitest";
import { type MakeStore, useApiHarness } from "./suite-context.js";

/** Query booleans are strict: "false" and "0" mean false. */
export function deadLetterFilterSuite(makeStore: MakeStore): void {
  describe("dead-letter filters", () => {
    const t = useApiHarness(makeStore);
    const ids = async (query: string) => {
      const response = await t.h.call("GET", `/fleet/dlq${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as { jobId: string }[]).map((item) => item.jobId).sort();
    };

    it("hides discarded entries unless includeDiscarded is true or 1", async () => {
      const kept = await t.deadLetter("kept");
      const gone = await t.deadLetter("gone");
      expect((await t.h.call("POST", `/fleet/dlq/${gone.id}/discard`, { body: {} })).statusCode).toBe(200);
      expect(await ids("")).toEqual([kept.id]);
      expect(await ids("?includeDiscarded=false")).toEqual([kept.id]);
      expect(await ids("?includeDiscarded=0")).toEqual([kept.id]);
      expect(await ids("?includeDiscarded=true")).toEqual([kept.id, gone.id].sort());
      expect(await ids("?includeDiscarded=1")).toEqual([kept.id, gone.id].sort());
    });

    it("refuses a query boolean that is not true, false, 1 or 0, naming it", async () => {
      const response = await t.h.call("GET", "/fleet/dlq?includeDiscarded=no");
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain("includeDiscarded must be one of true, false, 1, 0");
    });
  });
}
