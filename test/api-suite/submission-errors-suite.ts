import { describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

const ZOD_WORDING = /Unrecognized key|expected string, received|Invalid input|Invalid option|received undefined|received NaN/;

const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** Submission errors say exactly what is wrong, in the product's words, with one hint that applies. */
export function submissionErrorsSuite(makeStore: MakeStore): void {
  describe("submission errors", () => {
    const t = useApiHarness(makeStore);
    const error = async (body: unknown) => {
      const response = await t.submit(body);
      return { status: response.statusCode, ...(response.json().error as { code: string; message: string; details?: unknown }) };
    };

    it("names the missing dependency's key once, with one hint", async () => {
      const e = await error(spec("b", { deps: ["build-api"] }));
      expect(e.status).toBe(400);
      expect(e.code).toBe("UNKNOWN_DEPENDENCY");
      expect(occurrences(e.message, "'build-api'")).toBe(1);
      expect(e.message).toContain("'b'");
      expect(occurrences(e.message, "submit")).toBe(1);
      expect(e.message).not.toMatch(/j-[0-9a-f]{32}/);
    });

    it("names a job id given where an idempotency key is expected, with the key to use", async () => {
      const a = (await t.submit(spec("build-api"))).json().job as JobDoc;
      const e = await error(spec("b", { deps: [a.id] }));
      expect(e.status).toBe(400);
      expect(e.message).toContain(`'${a.id}' is a job id; deps take idempotency keys: use 'build-api'`);
    });

    it("names a cycle by the idempotency keys that were sent", async () => {
      await t.submit(spec("a"));
      await t.submit(spec("b", { deps: ["a"] }));
      await t.submit(spec("c", { deps: ["b"] }));
      const e = await error(spec("a", { deps: ["c"] }));
      expect(e.code).toBe("DEPENDENCY_CYCLE");
      expect(e.message).toContain("a -> c -> b -> a");
      expect(e.message).not.toMatch(/j-[0-9a-f]{32}/);
      expect((e.details as { cycle: string[] }).cycle).toEqual(["a", "c", "b", "a"]);
    });

    const cases: { name: string; body: unknown; says: string }[] = [
      { name: "a missing bodyMd", body: { title: "no body" }, says: "bodyMd is required" },
      { name: "a misplaced pool", body: { bodyMd: "x", pool: "gpu" }, says: "unknown field 'pool': jobs are routed by capabilities" },
      { name: "an unknown field", body: { bodyMd: "x", colour: "blue" }, says: "unknown field 'colour'" },
      { name: "a bad priority", body: { bodyMd: "x", priority: "urgent" }, says: "priority must be one of low, medium, high, critical" },
      { name: "a wrong type", body: { bodyMd: 5 }, says: "bodyMd must be a string" },
      { name: "a nested wrong type", body: { bodyMd: "x", retry: { max: "a" } }, says: "retry.max must be a number" },
      { name: "an over-long title", body: { bodyMd: "x", title: "t".repeat(201) }, says: "title must be at most 200 characters" },
      { name: "an empty bodyMd", body: { bodyMd: "" }, says: "bodyMd must not be empty" },
      { name: "a bad capability", body: { bodyMd: "x", capabilities: ["Bad Cap"] }, says: "capabilities.0: capabilities are lower-case tokens" },
      { name: "a body that is not an object", body: [1, 2], says: "the body must be a JSON object" },
    ];
    for (const c of cases) {
      it(`says "${c.says}" for ${c.name}, in its own words`, async () => {
        const e = await error(c.body);
        expect(e.status).toBe(400);
        expect(e.code).toBe("VALIDATION");
        expect(e.message).toContain(c.says);
        expect(e.message).not.toMatch(ZOD_WORDING);
      });
    }

    it("adds the field hint only where a field is named", async () => {
      const named = await error({ bodyMd: "x", priority: "urgent" });
      expect(named.message).toContain("fix the named field");
      const job = (await t.submit(spec("a"))).json().job as JobDoc;
      const notFound = await t.h.call("GET", "/fleet/jobs/j-nosuch");
      expect(notFound.json().error.message).not.toContain("fix the named field");
      const fleet = await t.h.call("POST", "/fleet/jobs", { body: spec("x"), as: "fleetOperator" });
      expect(fleet.statusCode).toBe(403);
      expect(fleet.json().error.message).not.toContain("fix the named field");
      const malformed = await t.h.call("POST", "/fleet/jobs", { rawBody: '{"bodyMd": "x",' });
      expect(malformed.json().error.message).toContain("not valid JSON");
      expect(malformed.json().error.message).not.toContain("fix the named field");
      expect(job.id).toMatch(/^j-/);
    });

    it("states the size limit in KB in a 413", async () => {
      const response = await t.submit({ bodyMd: "x".repeat(300 * 1024) });
      expect(response.statusCode).toBe(413);
      expect(response.json().error.message).toContain("256 KB");
    });
  });
}
