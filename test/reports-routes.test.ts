import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorBody, ReportListResponse, ReportResponse } from "../contracts/index.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { type ApiHarness, startApiHarness } from "./support/api-harness.js";

/** The reports routes answer as their published schemas say, and send a report as written. */
describe("the reports routes", () => {
  let h: ApiHarness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    h = undefined;
    dir = undefined;
  });

  it("list the folder's reports, newest first, and send one byte for byte", async () => {
    dir = mkdtempSync(join(tmpdir(), "fleet-reports-"));
    const written = `${JSON.stringify({ mode: "live", results: [{ name: "broker-outage", ok: true }, { name: "store-throttle", ok: false }] }, null, 2)}\n`;
    writeFileSync(join(dir, "chaos-live-all.json"), written);
    writeFileSync(join(dir, "notes.txt"), "not a report");
    writeFileSync(join(dir, "bench.json"), "not json");
    h = await startApiHarness(new MemoryStore(), undefined, { reportsDir: dir });
    const list = await h.call("GET", "/fleet/reports");
    expect(list.statusCode).toBe(200);
    expect(ReportListResponse.safeParse(list.json()).error).toBeUndefined();
    expect(list.json().items.map((item: { name: string }) => item.name).sort()).toEqual(["bench.json", "chaos-live-all.json"]);
    expect(list.json().items.find((item: { name: string }) => item.name === "chaos-live-all.json")).toMatchObject({ mode: "live", scenarios: 2, ok: false });
    const one = await h.call("GET", "/fleet/reports/chaos-live-all.json");
    expect([one.statusCode, one.headers["content-type"], one.body]).toEqual([200, "application/json; charset=utf-8", written]);
    expect(ReportResponse.safeParse(one.json()).error).toBeUndefined();
    const missing = await h.call("GET", "/fleet/reports/other.json");
    expect(missing.statusCode).toBe(404);
    expect(ErrorBody.safeParse(missing.json()).error).toBeUndefined();
    expect((await h.call("GET", "/fleet/reports/..%2Fsecrets.json")).statusCode).toBe(400);
  });

  it("answer 404 naming REPORTS_DIR where no folder is served", async () => {
    h = await startApiHarness(new MemoryStore());
    const response = await h.call("GET", "/fleet/reports");
    expect(response.statusCode).toBe(404);
    expect(response.json().error.message).toContain("REPORTS_DIR");
  });
});
