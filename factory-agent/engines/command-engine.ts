import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { JobDoc } from "../../contracts/index.js";
import type { Engine, EngineContext, EngineOutcome } from "./port.js";

export interface CommandEngineOptions {
  /** Run through the shell, e.g. `claude -p`, `codex exec -`, or `./scripts/run-job.sh`. */
  command: string;
  input: "stdin" | "file";
  /** Grace between SIGTERM and SIGKILL when the budget runs out. */
  killGraceMs?: number;
}

/**
 * Runs any CLI in a per-job working directory. The job body goes on stdin or into JOB.md; output
 * goes to files whose paths are reported as artifacts (pointers, never inline logs). Exit codes:
 * 0 shipped; 75 (EX_TEMPFAIL) later; 64-78 other sysexits (bad input, config) non-retryable;
 * anything else, or a signal, retryable. The wall-clock budget is enforced with SIGTERM then SIGKILL.
 * Environment for the CLI: FLEET_JOB_ID, FLEET_EPOCH, FLEET_PERSONA, FLEET_CHECKPOINT_REF.
 */
export class CommandEngine implements Engine {
  readonly name = "command";
  constructor(private readonly options: CommandEngineOptions) {}

  async run(job: JobDoc, context: EngineContext): Promise<EngineOutcome> {
    const dir = resolve(context.workDir, job.id, String(job.leaseEpoch));
    await mkdir(dir, { recursive: true });
    if (this.options.input === "file") await writeFile(join(dir, "JOB.md"), job.bodyMd);
    const stdoutPath = join(dir, "stdout.log");
    const stderrPath = join(dir, "stderr.log");
    await context.reportStage("building");
    const started = context.clock.now();
    const child = spawn(this.options.command, {
      cwd: dir,
      shell: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        FLEET_JOB_ID: job.id,
        FLEET_EPOCH: String(job.leaseEpoch),
        FLEET_PERSONA: job.persona,
        FLEET_CHECKPOINT_REF: job.checkpoint?.ref ?? "",
      },
      detached: true,
    });
    child.stdout.pipe(createWriteStream(stdoutPath));
    child.stderr.pipe(createWriteStream(stderrPath));
    child.stdin.on("error", () => undefined);
    if (this.options.input === "stdin") child.stdin.end(job.bodyMd);
    else child.stdin.end();
    const stop = () => {
      killGroup(child.pid, "SIGTERM");
      context.timers.setTimeout(() => killGroup(child.pid, "SIGKILL"), this.options.killGraceMs ?? 5000).unref();
    };
    context.signal.addEventListener("abort", stop, { once: true });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on("close", (exitCode, exitSignal) => done({ code: exitCode, signal: exitSignal })),
    );
    context.signal.removeEventListener("abort", stop);
    const artifacts = [
      { name: "stdout", uri: `file://${stdoutPath}` },
      { name: "stderr", uri: `file://${stderrPath}` },
    ];
    const insights = { durationMs: context.clock.now() - started };
    if (context.signal.aborted) {
      const why = context.abortReason() === "budget" ? `wall-clock budget of ${context.wallBudgetMs} ms exceeded` : "drained";
      return { kind: "retryable", message: why, artifacts, insights };
    }
    if (code === 0) return { kind: "shipped", artifacts, insights };
    if (code === 75) return { kind: "later", message: "engine asked to run later (exit 75)" };
    if (code !== null && code >= 64 && code <= 78) return { kind: "non_retryable", message: `engine exited ${code}`, artifacts, insights };
    return { kind: "retryable", message: signal === null ? `engine exited ${code}` : `engine killed by ${signal}`, artifacts, insights };
  }

  async checkpoint(job: JobDoc): Promise<{ ref: string; note: string } | undefined> {
    // A real deployment points this at its VCS (commit and push a WIP branch); the command engine
    // records where the next attempt's working directory can be recovered from.
    return { ref: `wip/${job.id}`, note: "work directory of the drained attempt" };
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
