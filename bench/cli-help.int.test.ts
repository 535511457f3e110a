import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startTsProcess } from "../test/support/process-under-test.js";

const CLI = fileURLToPath(new URL("./run.ts", import.meta.url));

describe("npm run bench", () => {
  it("prints its options and exit codes on --help and measures nothing", async () => {
    const run = startTsProcess(CLI, { args: ["--help"] });
    expect((await run.exited).code).toBe(0);
    for (const text of ["--json", "--quick", "Exit codes"]) expect(run.output()).toContain(text);
    expect(run.output()).not.toContain("assignments/s");
  });

  it("exits 2 naming an unknown option", async () => {
    const run = startTsProcess(CLI, { args: ["--fast"] });
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain("'--fast'");
  });
});
