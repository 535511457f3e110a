import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startTsProcess } from "../test/support/process-under-test.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

describe("npm run chaos", () => {
  it("prints its options, scenarios and exit codes on --help and runs nothing", async () => {
    const run = startTsProcess(CLI, { args: ["--help"] });
    expect((await run.exited).code).toBe(0);
    for (const text of ["--seeds A..B", "--bug NAME", "broker-outage", "Exit codes"]) expect(run.output()).toContain(text);
    expect(run.output()).not.toContain("seed 1");
  });

  it("exits 2 naming an unknown mode", async () => {
    const run = startTsProcess(CLI, { args: ["nosuch"] });
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain("'nosuch' is not a known mode");
  });
});
