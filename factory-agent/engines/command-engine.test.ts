import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queuedJob } from "../../test/support/job-fixture.js";
import { CommandEngine } from "./command-engine.js";
import { FakeEngineContext } from "./fake-engine-context.js";

describe("the command engine in a fake engine context", () => {
  let workDir: string;
  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), "command-engine-"));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("maps exit codes to outcomes and points at its output", async () => {
    const run = (command: string) => new CommandEngine({ command, input: "stdin" }).run(queuedJob({ bodyMd: "the job body" }), new FakeEngineContext({ workDir }));
    const shipped = await run("cat");
    expect(shipped).toMatchObject({ kind: "shipped", artifacts: [{ name: "stdout" }, { name: "stderr" }] });
    const stdout = shipped.kind === "shipped" ? shipped.artifacts?.[0]?.uri.replace("file://", "") : undefined;
    expect(await readFile(stdout!, "utf8")).toBe("the job body");
    expect(await run("exit 75")).toMatchObject({ kind: "later" });
    expect(await run("exit 65")).toMatchObject({ kind: "non_retryable", message: "engine exited 65" });
    expect(await run("exit 1")).toMatchObject({ kind: "retryable", message: "engine exited 1" });
  });

  it("returns only once its output files are complete (they are the attempt's artifacts)", async () => {
    const outcome = await new CommandEngine({ command: "head -c 4000000 /dev/zero | tr '\\0' x", input: "stdin" }).run(queuedJob(), new FakeEngineContext({ workDir }));
    const stdout = outcome.kind === "shipped" ? outcome.artifacts?.[0]?.uri.replace("file://", "") : undefined;
    expect((await readFile(stdout!, "utf8")).length).toBe(4_000_000);
  });

  it("stops the CLI when the context is cancelled, and reports the building stage first", async () => {
    const context = new FakeEngineContext({ workDir, wallBudgetMs: 2000 });
    const outcome = new CommandEngine({ command: "sleep 30", input: "stdin" }).run(queuedJob(), context);
    await new Promise((resolve) => setTimeout(resolve, 200));
    context.cancel("budget");
    expect(await outcome).toMatchObject({ kind: "retryable", message: "wall-clock budget of 2000 ms exceeded" });
    expect(context.reports.map((r) => r.stage)).toEqual(["building"]);
    // The SIGKILL that would follow a CLI ignoring SIGTERM waits on the context's timers.
    expect(context.time.pendingTimers()).toBe(1);
    await context.time.advance(5000);
    expect(context.time.pendingTimers()).toBe(0);
  });
});
