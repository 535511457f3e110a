import { describe, expect, it } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

interface Summary {
  id: string;
  idempotencyKey: string;
  title: string | null;
  stage: string;
  priority: string;
  pool: string | null;
  createdAt: string;
}

/** GET /fleet/jobs: summaries, filters, sort, totals and opaque continuation tokens. */
export function jobListSuite(makeStore: MakeStore): void {
  describe("job list", () => {
    const t = useApiHarness(makeStore);
    const list = async (query = "", as: "operator" | "otherOperator" | "fleetOperator" = "operator") => {
      const response = await t.h.call("GET", `/fleet/jobs${query}`, { as });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { items: Summary[]; continuation?: string; totals: { active: Record<string, number>; terminal: Record<string, number> } };
    };
    const keys = async (query: string) => (await list(query)).items.map((item) => item.idempotencyKey);
    const submitAt = async (key: string, extra: Record<string, unknown> = {}) => {
      const response = await t.submit(spec(key, extra));
      expect(response.statusCode, response.body).toBe(201);
      t.h.clock.advance(1000);
      return response.json().job as JobDoc;
    };

    it("returns summaries with ISO 8601 times, not whole documents", async () => {
      await submitAt("build-api", { title: "Build the API", priority: "high" });
      const { items } = await list();
      expect(items).toHaveLength(1);
      const item = items[0] as unknown as Record<string, unknown>;
      expect(Object.keys(item).sort()).toEqual(
        ["attempts", "capabilities", "costUsd", "createdAt", "id", "idempotencyKey", "leaseEpoch", "pool", "priority", "productId", "queuedAt", "retries", "stage", "title", "updatedAt"].sort(),
      );
      expect(item.createdAt).toMatch(ISO);
      expect(item.updatedAt).toMatch(ISO);
      expect(item.queuedAt).toMatch(ISO);
      expect(item).toMatchObject({ idempotencyKey: "build-api", title: "Build the API", stage: "queued", priority: "high", pool: null, costUsd: 0 });
      const full = await list("?view=full");
      expect((full.items[0] as unknown as JobDoc).bodyMd).toContain("Do the thing");
    });

    it("shows the pool a job is on, and the cost of its runs", async () => {
      const job = await submitAt("a");
      await t.h.tick();
      expect((await list()).items[0]?.pool).toBe("general");
      await t.runToShippedAssigned(job.id, 0.25);
      const [item] = (await list()).items as unknown as Record<string, unknown>[];
      expect(item).toMatchObject({ stage: "shipped", pool: "general", costUsd: 0.25, attempts: 1 });
      expect(await keys("?pool=general")).toEqual(["a"]);
      expect(await keys("?pool=gpu")).toEqual([]);
    });

    it("filters by several stages, priority, capability, key prefix, title text and time range", async () => {
      const start = t.h.clock.now();
      await submitAt("api-1", { title: "Build the API", priority: "high" });
      await submitAt("api-2", { title: "Test the api client", priority: "low" });
      await submitAt("gpu-1", { title: "Train", capabilities: ["gpu"], priority: "critical" });
      const cancelled = await submitAt("web-1", { title: "Web", priority: "high" });
      await t.h.call("POST", `/fleet/jobs/${cancelled.id}/actions/cancel`, { body: {} });
      expect(await keys("?stage=queued")).toEqual(["gpu-1", "api-2", "api-1"]);
      expect(await keys("?stage=queued,cancelled")).toEqual(["web-1", "gpu-1", "api-2", "api-1"]);
      expect(await keys("?priority=high,critical")).toEqual(["web-1", "gpu-1", "api-1"]);
      expect(await keys("?capability=gpu")).toEqual(["gpu-1"]);
      expect(await keys("?keyPrefix=api-")).toEqual(["api-2", "api-1"]);
      expect(await keys("?q=API")).toEqual(["api-2", "api-1"]);
      const after = new Date(start + 500).toISOString();
      const before = new Date(start + 2500).toISOString();
      expect(await keys(`?submittedAfter=${after}&submittedBefore=${before}`)).toEqual(["gpu-1", "api-2"]);
      expect(await keys("?stage=queued&priority=low&keyPrefix=api")).toEqual(["api-2"]);
    });

    it("sorts by createdAt, updatedAt and priority, either way", async () => {
      await submitAt("m", { priority: "medium" });
      await submitAt("c", { priority: "critical" });
      await submitAt("l", { priority: "low" });
      await submitAt("h", { priority: "high" });
      const first = (await t.h.call("GET", "/fleet/jobs?keyPrefix=m")).json().items[0].id as string;
      await t.h.call("POST", `/fleet/jobs/${first}/actions/reject`, { body: {} });
      expect(await keys("")).toEqual(["h", "l", "c", "m"]);
      expect(await keys("?sort=createdAt")).toEqual(["m", "c", "l", "h"]);
      expect(await keys("?sort=-updatedAt")).toEqual(["m", "h", "l", "c"]);
      expect(await keys("?sort=-priority")).toEqual(["c", "h", "m", "l"]);
      expect(await keys("?sort=priority")).toEqual(["l", "m", "h", "c"]);
      // Pages of one across the priority buckets visit every job once, in order.
      const seen: string[] = [];
      let continuation: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await list(`?sort=-priority&limit=1${continuation === undefined ? "" : `&continuation=${continuation}`}`);
        seen.push(...result.items.map((item) => item.idempotencyKey));
        continuation = result.continuation;
        if (continuation === undefined) break;
      }
      expect(seen).toEqual(["c", "h", "m", "l"]);
    });

    it("pages with opaque tokens that visit every job once", async () => {
      for (let i = 0; i < 7; i++) await submitAt(`k-${i}`);
      const seen: string[] = [];
      let continuation: string | undefined;
      let pages = 0;
      do {
        const page = await list(`?limit=3${continuation === undefined ? "" : `&continuation=${encodeURIComponent(continuation)}`}`);
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((item) => item.idempotencyKey));
        continuation = page.continuation;
        if (continuation !== undefined) expect(continuation).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (continuation !== undefined && ++pages < 10);
      expect(seen).toEqual(["k-6", "k-5", "k-4", "k-3", "k-2", "k-1", "k-0"]);
    });

    it("refuses a bad, tampered or foreign continuation token with 400, never page 1 again", async () => {
      for (let i = 0; i < 4; i++) await submitAt(`k-${i}`);
      const { continuation } = await list("?limit=2");
      expect(continuation).toBeDefined();
      const token = continuation!;
      const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token, "base64url").toString()), s: "AAAA" })).toString("base64url");
      for (const query of ["?continuation=garbage", `?continuation=${tampered}`, `?limit=2&stage=queued&continuation=${token}`, `?limit=2&sort=createdAt&continuation=${token}`]) {
        const response = await t.h.call("GET", `/fleet/jobs${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.json().error.code).toBe("VALIDATION");
        expect(response.json().error.message).toContain("continuation token is invalid or expired: start again without it");
      }
      expect((await list(`?limit=2&continuation=${token}`)).items.map((item) => item.idempotencyKey)).toEqual(["k-1", "k-0"]);
    });

    it("names each bad query parameter in its own words", async () => {
      const cases: [string, string][] = [
        ["?limit=0", "limit must be at least 1"],
        ["?limit=501", "limit must be at most 500"],
        ["?limit=abc", "limit must be a whole number"],
        ["?stage=nope", "stage must be one of"],
        ["?sort=title", "sort must be one of"],
        ["?submittedAfter=yesterday", "submittedAfter must be an ISO 8601 time"],
        ["?colour=blue", "unknown query parameter 'colour'"],
      ];
      for (const [query, says] of cases) {
        const response = await t.h.call("GET", `/fleet/jobs${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.json().error.message, query).toContain(says);
        expect(response.json().error.message, query).not.toMatch(/Invalid|received|Unrecognized/);
      }
    });

    it("counts active jobs per stage and terminal jobs per stage, per product", async () => {
      const a = await submitAt("a");
      const b = await submitAt("b");
      await submitAt("c");
      await submitAt("other", {});
      await t.submit(spec("x"), "otherOperator");
      await t.h.call("POST", `/fleet/jobs/${a.id}/actions/cancel`, { body: {} });
      await t.h.call("POST", `/fleet/jobs/${b.id}/actions/ship`, { body: {} });
      await t.deadLetter("dl");
      // The dead letter's pass through the scheduler assigned the queued jobs too.
      const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      const { totals } = await list();
      expect(totals.terminal).toEqual({ shipped: 1, failed: 0, cancelled: 1, dead_letter: 1 });
      expect(totals.active).toEqual({ assigned: 2 });
      const other = (await list("", "otherOperator")).totals;
      expect(other.terminal).toEqual({ shipped: 0, failed: 0, cancelled: 0, dead_letter: 0 });
      expect(sum(other.active)).toBe(1);
      const fleet = (await list("", "fleetOperator")).totals;
      expect(sum(fleet.active)).toBe(3);
      expect(fleet.terminal).toEqual({ shipped: 1, failed: 0, cancelled: 1, dead_letter: 1 });
      // A replay moves a dead letter back to the active counts.
      const dead = (await list("?stage=dead_letter")).items[0]!;
      await t.h.call("POST", `/fleet/dlq/${dead.id}/replay`);
      expect((await list()).totals.terminal.dead_letter).toBe(0);
    });

    it("counts terminal jobs from the store when a coordinator starts", async () => {
      const a = await submitAt("a");
      await t.h.call("POST", `/fleet/jobs/${a.id}/actions/ship`, { body: {} });
      await submitAt("b");
      const restarted = await t.restart();
      const response = await restarted.call("GET", "/fleet/jobs");
      expect(response.json().totals.terminal).toEqual({ shipped: 1, failed: 0, cancelled: 0, dead_letter: 0 });
      expect(response.json().totals.active).toMatchObject({ queued: 1 });
      const fleet = await restarted.call("GET", "/fleet/jobs", { as: "fleetOperator" });
      expect(fleet.json().totals.terminal.shipped).toBe(1);
    });
  });
}
