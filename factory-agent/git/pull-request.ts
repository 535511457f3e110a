import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { PullRequestUrl } from "../../contracts/index.js";
import type { AttemptLog } from "../engines/port.js";
import { lastLine, runProgram } from "./run-git.js";

/** Whether `gh` (GitHub's CLI) is on PATH. */
export async function ghOnPath(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "gh");
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export interface PullRequestOptions {
  cwd: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  signal?: AbortSignal;
  log?: AttemptLog;
}

/**
 * Opens a pull request for the pushed branch with `gh pr create` when gh is on PATH, and returns
 * its URL (gh prints it). No gh, or gh failing (no credentials, a remote gh does not know), is not
 * a failure of the attempt: the branch is pushed and recorded; the reason goes to the log.
 */
export async function openPullRequest(options: PullRequestOptions): Promise<string | undefined> {
  const gh = await ghOnPath();
  if (gh === undefined) {
    options.log?.write("[fleet] gh is not on PATH: no pull request opened (the branch is pushed)\n");
    return undefined;
  }
  const created = await runProgram(gh, ["pr", "create", "--head", options.branch, "--base", options.base, "--title", options.title, "--body", options.body], {
    cwd: options.cwd,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (created.code !== 0) {
    options.log?.write(`[fleet] gh pr create failed: ${lastLine(created)}\n`);
    return undefined;
  }
  const url = created.stdout
    .split("\n")
    .map((line) => line.trim())
    .reverse()
    .find((line) => PullRequestUrl.safeParse(line).success);
  options.log?.write(url === undefined ? "[fleet] gh pr create printed no pull request URL\n" : `[fleet] opened ${url}\n`);
  return url;
}
