import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8", timeout: 20_000 });

describe("npm run broker", () => {
  it("prints its options with their defaults on --help, and starts nothing", () => {
    for (const flag of ["--help", "-h"]) {
      const result = run([flag]);
      expect(result.status, flag).toBe(0);
      expect(result.stdout).toMatch(/^ {2}--port N +5672 /m);
      expect(result.stdout).toMatch(/^ {2}--data-dir DIR +- /m);
      expect(result.stdout).toMatch(/^ {2}-h, --help /m);
      expect(result.stdout).toContain("Environment: none");
      // A started broker prints its connection string first and listens until stopped.
      expect(result.stdout).not.toContain("Endpoint=sb://");
      expect(result.stderr).not.toContain("listening");
    }
  }, 30_000);

  it.each([
    [["--port", "seventy"], /--port must be a port number/],
    [["--port", "70000"], /--port must be a port number/],
    [["--prot", "5672"], /Unknown option '--prot'/],
    [["--port"], /--port/],
  ])("exits 2 on bad usage %j, naming the option", (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("--help");
    expect(result.stdout).toBe("");
  }, 30_000);
});
