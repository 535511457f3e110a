import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Checkpoint, JobDoc } from "../../contracts/index.js";
import { attemptBranch } from "../git/branch-name.js";
import { CheckoutError, GitCheckout } from "../git/git-checkout.js";
import { openPullRequest } from "../git/pull-request.js";
import { resolveRepoUrl } from "../git/repo-url.js";
import { ReportedLines } from "../git/reported-lines.js";
import type { Deliverable, Engine, EngineContext, EngineOutcome } from "./port.js";

export interface CommandEngineOptions {
  /** Run through the shell, e.g. `claude -p`, `codex exec -`, or `./scripts/run-job.sh`. */
  command: string;
  input: "stdin" | "file";
  /** Grace between SIGTERM and SIGKILL when the budget runs out. */
  killGraceMs?: number;
  /** PR mode: where `owner/name` repositories are cloned from (GIT_BASE_URL), e.g. https://github.com. */
  gitBaseUrl?: string;
}

/**
 * Runs any CLI in a per-attempt working directory. The job body goes on stdin or into JOB.md; output
 * goes to files whose paths are reported as artifacts (pointers, never inline logs) and, as it comes,
 * to the attempt's log. Exit codes: 0 shipped; 75 (EX_TEMPFAIL) later; 64-78 other sysexits (bad
 * input, config) non-retryable; anything else, or a signal, retryable. The wall-clock budget is
 * enforced with SIGTERM then SIGKILL.
 *
 * PR mode, for a job with `repo`: the CLI runs in an isolated clone on the attempt's branch
 * `fleet/<job key>/<epoch>` (from the job's checkpoint branch when it has one, else from
 * `baseBranch`). When it exits 0, whatever it left uncommitted is committed, the branch is pushed
 * and, when `gh` is on PATH, a pull request opened; the run records branch, commit and PR URL.
 * Lines `FLEET_PR_URL=`, `FLEET_BRANCH=`, `FLEET_COMMIT=` in its output report them instead. On a
 * drain or a preemption, `checkpoint` commits the work in progress, pushes the branch and names
 * it, so the next attempt resumes from it.
 *
 * Environment for the CLI: FLEET_JOB_ID, FLEET_EPOCH, FLEET_PERSONA, FLEET_CHECKPOINT_REF, and in PR
 * mode FLEET_REPO_URL, FLEET_BRANCH, FLEET_BASE_BRANCH, FLEET_JOB_FILE (JOB.md, outside the clone);
 * FLEET_REVIEW_FEEDBACK carries the comments of the review that sent the job back, if one did.
 */
export class CommandEngine implements Engine {
  readonly name = "command";
  /** Checkouts of attempts that were stopped, kept for `checkpoint` (one per seat at most). */
  private readonly stopped = new Map<string, GitCheckout>();

  constructor(private readonly options: CommandEngineOptions) {}

  async run(job: JobDoc, context: EngineContext): Promise<EngineOutcome> {
    await this.forgetEarlierAttempts(job);
    const dir = resolve(context.workDir, job.id, String(job.leaseEpoch));
    await mkdir(dir, { recursive: true });
    const jobFile = join(dir, "JOB.md");
    if (this.options.input === "file") await writeFile(jobFile, job.bodyMd);
    const stdoutPath = join(dir, "stdout.log");
    const stderrPath = join(dir, "stderr.log");
    await context.reportStage("building");
    let checkout: GitCheckout | undefined;
    if (job.repo !== undefined) {
      try {
        checkout = await GitCheckout.prepare({
          url: resolveRepoUrl(job.repo, this.options.gitBaseUrl ?? "https://github.com"),
          dir: join(dir, "repo"),
          branch: attemptBranch(job.idempotencyKey, job.leaseEpoch),
          ...(job.baseBranch === undefined ? {} : { baseBranch: job.baseBranch }),
          ...(job.checkpoint?.ref === undefined ? {} : { resumeFrom: job.checkpoint.ref }),
          signal: context.signal,
          ...(context.log === undefined ? {} : { log: context.log }),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.log?.write(`[fleet] ${message}\n`);
        return error instanceof CheckoutError && !error.retryable ? { kind: "non_retryable", message } : { kind: "retryable", message };
      }
    }
    const started = context.clock.now();
    const child = spawn(this.options.command, {
      cwd: checkout?.dir ?? dir,
      shell: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        FLEET_JOB_ID: job.id,
        FLEET_EPOCH: String(job.leaseEpoch),
        FLEET_PERSONA: job.persona,
        FLEET_CHECKPOINT_REF: job.checkpoint?.ref ?? "",
        ...(checkout === undefined
          ? {}
          : { FLEET_REPO_URL: resolveRepoUrl(job.repo!, this.options.gitBaseUrl ?? "https://github.com"), FLEET_BRANCH: checkout.branch, FLEET_BASE_BRANCH: checkout.baseBranch, FLEET_JOB_FILE: jobFile }),
        FLEET_REVIEW_FEEDBACK: reviewFeedbackOf(job),
      },
      detached: true,
    });
    const reported = new ReportedLines();
    child.stdout.on("data", (chunk: Buffer) => {
      reported.feed(chunk.toString());
      context.log?.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => context.log?.write(chunk));
    const stdoutFile = createWriteStream(stdoutPath);
    const stderrFile = createWriteStream(stderrPath);
    child.stdout.pipe(stdoutFile);
    child.stderr.pipe(stderrFile);
    // The files are the attempt's artifacts: they must be complete before anyone reads them.
    const written = Promise.all([stdoutFile, stderrFile].map((file) => new Promise<void>((done) => file.once("close", () => done()))));
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
    await written;
    const artifacts = [
      { name: "stdout", uri: `file://${stdoutPath}` },
      { name: "stderr", uri: `file://${stderrPath}` },
    ];
    const insights = { durationMs: context.clock.now() - started };
    for (const reason of reported.refused) context.log?.write(`[fleet] ignored: ${reason}\n`);
    if (context.signal.aborted) {
      // Stopped by a drain or a preemption: the work in progress waits for `checkpoint`. Over its
      // budget: the attempt failed, and the next one starts from the last checkpoint.
      if (checkout !== undefined && context.abortReason() === "drain") this.stopped.set(attemptKey(job), checkout);
      else await checkout?.remove();
      const why = context.abortReason() === "budget" ? `wall-clock budget of ${context.wallBudgetMs} ms exceeded` : "drained";
      return { kind: "retryable", message: why, artifacts, insights };
    }
    if (code === 0) {
      if (checkout === undefined) return { kind: "shipped", artifacts, insights, ...deliverableField(reported.result()) };
      try {
        const deliverable = await this.deliver(job, checkout, reported.result(), context);
        return { kind: "shipped", artifacts, insights, ...deliverableField(deliverable) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.log?.write(`[fleet] ${message}\n`);
        return { kind: "retryable", message, artifacts, insights };
      } finally {
        await checkout.remove();
      }
    }
    await checkout?.remove();
    if (code === 75) return { kind: "later", message: "engine asked to run later (exit 75)" };
    if (code !== null && code >= 64 && code <= 78) return { kind: "non_retryable", message: `engine exited ${code}`, artifacts, insights };
    return { kind: "retryable", message: signal === null ? `engine exited ${code}` : `engine killed by ${signal}`, artifacts, insights };
  }

  /**
   * Saves the stopped attempt's work. PR mode: commits what is uncommitted, pushes the attempt's
   * branch and names it (the next attempt resumes from it); an attempt that did nothing new keeps
   * the checkpoint it started from. Without a repository: where its working directory was.
   */
  async checkpoint(job: JobDoc): Promise<Checkpoint | undefined> {
    const checkout = this.stopped.get(attemptKey(job));
    if (checkout === undefined) {
      if (job.repo !== undefined) return job.checkpoint;
      return { ref: `wip/${job.id}`, note: "work directory of the drained attempt" };
    }
    this.stopped.delete(attemptKey(job));
    try {
      await checkout.commitAll(`WIP: ${titleOf(job)} (attempt ${job.leaseEpoch}, stopped before it finished)`);
      if (!(await checkout.hasWork())) return job.checkpoint;
      await checkout.push();
      return { ref: checkout.branch, commit: await checkout.head(), base: checkout.baseBranch, note: `work in progress of attempt ${job.leaseEpoch}` };
    } finally {
      await checkout.remove();
    }
  }

  /** A stopped attempt whose checkpoint never came (it was fenced out): its checkout goes. */
  private async forgetEarlierAttempts(job: JobDoc): Promise<void> {
    for (const [key, checkout] of this.stopped) {
      if (!key.startsWith(`${job.id}:`) || key === attemptKey(job)) continue;
      this.stopped.delete(key);
      await checkout.remove();
    }
  }

  /** PR mode after exit 0: commit, push, open the pull request; what the CLI reported wins. */
  private async deliver(job: JobDoc, checkout: GitCheckout, reported: Deliverable, context: EngineContext): Promise<Deliverable> {
    await checkout.commitAll(`${titleOf(job)}\n\nFleet job ${job.id}, attempt ${job.leaseEpoch}.`, context.signal);
    if (!(await checkout.hasWork())) {
      context.log?.write(`[fleet] no changes beyond ${checkout.baseBranch}: nothing to push\n`);
      return { commit: await checkout.head(), ...reported };
    }
    await checkout.push(context.signal);
    const prUrl =
      reported.prUrl ??
      (await openPullRequest({
        cwd: checkout.dir,
        branch: checkout.branch,
        base: checkout.baseBranch,
        title: titleOf(job),
        body: `Fleet job \`${job.id}\` (${job.idempotencyKey}), attempt ${job.leaseEpoch}.\n\n${job.bodyMd}`.slice(0, 60_000),
        signal: context.signal,
        ...(context.log === undefined ? {} : { log: context.log }),
      }));
    return { branch: checkout.branch, commit: await checkout.head(), ...(prUrl === undefined ? {} : { prUrl }), ...withoutPr(reported) };
  }
}

function attemptKey(job: JobDoc): string {
  return `${job.id}:${job.leaseEpoch}`;
}

function titleOf(job: JobDoc): string {
  return (job.title ?? job.bodyMd.split("\n").find((line) => line.trim() !== "")?.replace(/^#+\s*/, "") ?? job.idempotencyKey).slice(0, 200);
}

function deliverableField(deliverable: Deliverable): { deliverable?: Deliverable } {
  return Object.keys(deliverable).length === 0 ? {} : { deliverable };
}

function withoutPr(deliverable: Deliverable): Deliverable {
  const { prUrl: _, ...rest } = deliverable;
  return rest;
}

/** The comments of the review round that sent the job back, for the attempt that answers them. */
function reviewFeedbackOf(job: JobDoc): string {
  if (job.review?.state !== "changes_requested") return "";
  return job.review.decisions
    .filter((d) => d.verdict === "request_changes")
    .map((d) => `${d.reviewer}: ${d.comment ?? ""}`)
    .join("\n");
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
