import { CommitId, GitBranchName, PullRequestUrl } from "../../contracts/index.js";
import type { Deliverable } from "../engines/port.js";

const LINE = /^FLEET_(PR_URL|BRANCH|COMMIT)=(\S+)\s*$/;

/**
 * What an engine's CLI reports about its deliverable, as lines of its output:
 *   FLEET_PR_URL=https://github.com/acme/api/pull/42
 *   FLEET_BRANCH=feature/orders
 *   FLEET_COMMIT=3f2a9c1d...
 * The last of each wins. A value the coordinator would refuse is dropped with a reason, so one bad
 * line never costs the attempt its release.
 */
export class ReportedLines {
  private readonly found: Deliverable = {};
  private partial = "";
  readonly refused: string[] = [];

  /** Feed output as it comes; lines may be split across chunks. */
  feed(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.take(line);
  }

  result(): Deliverable {
    if (this.partial !== "") this.take(this.partial);
    this.partial = "";
    return { ...this.found };
  }

  private take(line: string): void {
    const match = LINE.exec(line.replace(/\r$/, ""));
    if (match === null) return;
    const [, name, value] = match as unknown as [string, "PR_URL" | "BRANCH" | "COMMIT", string];
    const schema = name === "PR_URL" ? PullRequestUrl : name === "BRANCH" ? GitBranchName : CommitId;
    if (!schema.safeParse(value).success) {
      this.refused.push(`FLEET_${name}=${value.slice(0, 100)} is not a valid ${name === "PR_URL" ? "pull request URL" : name === "BRANCH" ? "branch name" : "commit id"}`);
      return;
    }
    if (name === "PR_URL") this.found.prUrl = value;
    else if (name === "BRANCH") this.found.branch = value;
    else this.found.commit = value;
  }
}
