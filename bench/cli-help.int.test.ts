import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startTsProcess } from "../test/support/process-under-test.js";

const CLI = fileURLToPath(new URL("./run.ts", import.meta.url));

describe("npm run bench", () => {
  it("prints its options and exit codes on --help and measures nothing", async () => {
    const run = startTsProcess(CLI, { args: ["--help"] });
    expect((await run.exited).code).toBe(0);
    for (const text of ["--json", "--quick", "--e2e", "--rates", "--jobs", "--seconds", "--agents", "--seats", "--idle-seconds", "--bulk", "--profile DIR", "Exit codes"]) expect(run.output()).toContain(text);
    expect(run.output()).not.toContain("assignments/s");
  });

  it("exits 2 naming an unknown option", async () => {
    const run = startTsProcess(CLI, { args: ["--fast"] });
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain("'--fast'");
  });

  it.each([
    [["--e2e", "--agents", "0"], "--agents"],
    [["--e2e", "--seats", "65"], "--seats"],
    [["--e2e", "--rates", "100,fast"], "--rates"],
    [["--e2e", "--jobs", "-3"], "--jobs"],
    [["--e2e", "--seconds", "1.5"], "--seconds"],
    [["--e2e", "--idle-seconds", "x"], "--idle-seconds"],
  ])("exits 2 naming a bad value: %j", async (args, named) => {
    const run = startTsProcess(CLI, { args });
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain(named);
    expect(run.output()).not.toContain("e2e: starting");
  });
});
