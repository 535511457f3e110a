import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { AttemptLog } from "../engines/port.js";
import { git, lastLine } from "./run-git.js";

/** Why a checkout could not be made: `retryable` (the remote did not answer) or not (no such base branch). */
export class CheckoutError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}

export interface CheckoutOptions {
  /** Where to clone from (see repo-url.ts). */
  url: string;
  /** The attempt's own folder; emptied first. */
  dir: string;
  /** The attempt's branch (see branch-name.ts). */
  branch: string;
  /** The branch the work starts from and a pull request targets; the remote's default when absent. */
  baseBranch?: string;
  /** A branch to resume from (a checkpoint of an earlier attempt, or the work a review sent back). */
  resumeFrom?: string;
  signal?: AbortSignal;
  log?: AttemptLog;
}

/**
 * One attempt's isolated checkout of the job's repository, on the attempt's branch: cloned fresh
 * into the attempt's own folder (so attempts never share a working tree), from the checkpoint's
 * branch when there is one on the remote, else from the base branch.
 */
export class GitCheckout {
  private constructor(
    readonly dir: string,
    readonly branch: string,
    /** The base branch's name (resolved when the job named none). */
    readonly baseBranch: string,
    /** The base branch's commit: work beyond it is what gets pushed. */
    readonly baseCommit: string,
    /** The branch the attempt resumed from, if it did. */
    readonly resumedFrom: string | undefined,
    private readonly log: AttemptLog | undefined,
  ) {}

  static async prepare(options: CheckoutOptions): Promise<GitCheckout> {
    const say = (line: string) => options.log?.write(`[fleet] ${line}\n`);
    await rm(options.dir, { recursive: true, force: true });
    await mkdir(dirname(options.dir), { recursive: true });
    const parent = dirname(options.dir);
    const signal = options.signal === undefined ? {} : { signal: options.signal };
    say(`cloning ${options.url}`);
    const cloned = await git(["clone", "--quiet", "--no-tags", options.url, options.dir], { cwd: parent, ...signal });
    if (cloned.code !== 0) throw new CheckoutError(`cannot clone ${options.url}: ${lastLine(cloned)}`, true);
    const run = (args: string[]) => git(args, { cwd: options.dir, ...signal });
    const baseBranch = options.baseBranch ?? (await defaultBranch(run));
    const base = await run(["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${baseBranch}^{commit}`]);
    if (base.code !== 0) throw new CheckoutError(`base branch '${baseBranch}' is not in ${options.url}: submit the job with an existing baseBranch`, false);
    const baseCommit = base.stdout.trim();
    let resumedFrom: string | undefined;
    if (options.resumeFrom !== undefined) {
      const fetched = await run(["fetch", "--quiet", "origin", `refs/heads/${options.resumeFrom}`]);
      if (fetched.code === 0) {
        resumedFrom = options.resumeFrom;
        say(`resuming from ${options.resumeFrom}`);
      } else say(`checkpoint branch ${options.resumeFrom} is not on the remote (${lastLine(fetched)}); starting from ${baseBranch}`);
    }
    const checkout = await run(["checkout", "--quiet", "-B", options.branch, resumedFrom === undefined ? baseCommit : "FETCH_HEAD"]);
    if (checkout.code !== 0) throw new CheckoutError(`cannot check out ${options.branch}: ${lastLine(checkout)}`, true);
    say(`working on ${options.branch} from ${resumedFrom ?? `${baseBranch} (${baseCommit.slice(0, 12)})`}`);
    return new GitCheckout(options.dir, options.branch, baseBranch, baseCommit, resumedFrom, options.log);
  }

  /** Commits everything in the working tree (new files included); false when there was nothing. */
  async commitAll(message: string, signal?: AbortSignal): Promise<boolean> {
    const on = { cwd: this.dir, ...(signal === undefined ? {} : { signal }) };
    const added = await git(["add", "--all"], on);
    if (added.code !== 0) throw new Error(`git add failed: ${lastLine(added)}`);
    const staged = await git(["diff", "--cached", "--quiet"], on);
    if (staged.code === 0) return false;
    const committed = await git(["commit", "--quiet", "--no-verify", "-m", message], on);
    if (committed.code !== 0) throw new Error(`git commit failed: ${lastLine(committed)}`);
    return true;
  }

  async head(): Promise<string> {
    const head = await git(["rev-parse", "HEAD"], { cwd: this.dir });
    if (head.code !== 0) throw new Error(`git rev-parse failed: ${lastLine(head)}`);
    return head.stdout.trim();
  }

  /** Whether the branch holds work the base branch does not. */
  async hasWork(): Promise<boolean> {
    return (await this.head()) !== this.baseCommit;
  }

  /** Pushes the attempt's branch. The branch is the attempt's own, so a plain push suffices and
   * never overwrites anyone's work. */
  async push(signal?: AbortSignal): Promise<void> {
    const pushed = await git(["push", "--quiet", "origin", `HEAD:refs/heads/${this.branch}`], { cwd: this.dir, ...(signal === undefined ? {} : { signal }) });
    if (pushed.code !== 0) throw new Error(`cannot push ${this.branch}: ${lastLine(pushed)}`);
    this.log?.write(`[fleet] pushed ${this.branch}\n`);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The remote's default branch (origin/HEAD), or main. */
async function defaultBranch(run: (args: string[]) => ReturnType<typeof git>): Promise<string> {
  const head = await run(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]);
  return head.code === 0 ? head.stdout.trim().replace(/^origin\//, "") : "main";
}
