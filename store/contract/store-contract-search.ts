import { beforeEach, describe, expect, it } from "vitest";
import type { Run } from "../../contracts/index.js";
import type { StorePort, StoreQuery } from "../port.js";
import { assignedJob, jobDoc } from "./store-contract-docs.js";

const run = (pool: string, attempt: number): Run => ({
  productId: "acme",
  jobId: "x",
  attempt,
  epoch: attempt,
  pool,
  factoryId: `f-${attempt}`,
  startedAt: 1_000 + attempt,
  result: "shipped",
});

/** The search filters (text, arrays, OR groups) and `count`: what operator listings need. */
export function runSearchContract(store: () => StorePort): void {
  describe("search filters and count", () => {
    const ids = async (where: StoreQuery["where"]): Promise<string[]> =>
      (await store().query("jobs", { ...(where === undefined ? {} : { where }) })).items.map((item) => item.doc.id).sort();

    beforeEach(async () => {
      await store().create("jobs", jobDoc("a", { title: "Build the API", capabilities: ["lang:ts"], idempotencyKey: "api-build" }));
      await store().create("jobs", jobDoc("b", { title: "test the api CLIENT", capabilities: ["gpu", "lang:py"], idempotencyKey: "api-test", runs: [run("gpu", 1)] }));
      await store().create("jobs", assignedJob("c", "general", { capabilities: [], idempotencyKey: "web-1", runs: [run("gpu", 1), run("general", 2)] }));
      await store().create("jobs", jobDoc("d", { title: "Ship", stage: "shipped", idempotencyKey: "API-upper", capabilities: ["os:linux"] }));
    });

    it("matches a key prefix, case-sensitive", async () => {
      expect(await ids([{ field: "idempotencyKey", op: "starts_with", value: "api-" }])).toEqual(["a", "b"]);
      expect(await ids([{ field: "idempotencyKey", op: "starts_with", value: "API" }])).toEqual(["d"]);
      expect(await ids([{ field: "lease.pool", op: "starts_with", value: "gen" }])).toEqual(["c"]);
    });

    it("matches text contained in a field, ignoring case, and skips documents without it", async () => {
      expect(await ids([{ field: "title", op: "contains_ignore_case", value: "API" }])).toEqual(["a", "b"]);
      expect(await ids([{ field: "title", op: "contains_ignore_case", value: "client" }])).toEqual(["b"]);
      expect(await ids([{ field: "title", op: "contains_ignore_case", value: "nothing" }])).toEqual([]);
    });

    it("matches an array holding a value, and an array holding an object with given properties", async () => {
      expect(await ids([{ field: "capabilities", op: "array_contains", value: "gpu" }])).toEqual(["b"]);
      expect(await ids([{ field: "capabilities", op: "array_contains", value: "lang:ts" }])).toEqual(["a"]);
      expect(await ids([{ field: "runs", op: "has_element", value: { pool: "gpu" } }])).toEqual(["b", "c"]);
      expect(await ids([{ field: "runs", op: "has_element", value: { pool: "general", attempt: 2 } }])).toEqual(["c"]);
      expect(await ids([{ field: "runs", op: "has_element", value: { pool: "general", attempt: 1 } }])).toEqual([]);
    });

    it("ORs the conditions of an anyOf group and ANDs it with the rest", async () => {
      const onGeneral = { anyOf: [{ field: "lease.pool", op: "=", value: "general" }, { field: "runs", op: "has_element", value: { pool: "general" } }] } as const;
      expect(await ids([onGeneral])).toEqual(["c"]);
      const gpuOrShipped = { anyOf: [{ field: "capabilities", op: "array_contains", value: "gpu" }, { field: "stage", op: "=", value: "shipped" }] } as const;
      expect(await ids([gpuOrShipped])).toEqual(["b", "d"]);
      expect(await ids([gpuOrShipped, { field: "title", op: "contains_ignore_case", value: "ship" }])).toEqual(["d"]);
      expect(await ids([{ anyOf: [] }])).toEqual([]);
    });

    it("counts matching documents without reading them, and counts as a query", async () => {
      const before = store().stats().ops;
      expect(await store().count("jobs", {})).toBe(4);
      expect(await store().count("jobs", { where: [{ field: "stage", op: "=", value: "shipped" }] })).toBe(1);
      expect(await store().count("jobs", { where: [{ field: "stage", op: "in", value: ["queued", "assigned"] }, { field: "title", op: "contains_ignore_case", value: "api" }] })).toBe(2);
      expect(await store().count("jobs", { where: [{ field: "stage", op: "=", value: "failed" }] })).toBe(0);
      expect(await store().count("jobs", { partitionKey: "c" })).toBe(1);
      const after = store().stats().ops;
      expect(after.query - before.query).toBe(5);
      expect(after.read).toBe(before.read);
    });

    it("rejects malformed search filters before reaching the store", async () => {
      await expect(store().query("jobs", { where: [{ field: "title", op: "contains_ignore_case", value: 3 }] })).rejects.toThrow(/takes a string/);
      await expect(store().query("jobs", { where: [{ field: "runs", op: "has_element", value: "gpu" }] })).rejects.toThrow(/object/);
      await expect(store().query("jobs", { where: [{ field: "runs", op: "has_element", value: { "bad key": 1 } }] })).rejects.toThrow(/field path/);
      await expect(store().count("jobs", { where: [{ field: "x;DROP", op: "=", value: 1 }] })).rejects.toThrow(/field path/);
    });
  });
}
