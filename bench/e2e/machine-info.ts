import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

export interface RunStamp {
  date: string;
  commit: string;
  /** Uncommitted changes in the working tree when the run started. */
  dirty: boolean;
  machine: { cores: number; cpuModel: string; memoryGb: number; node: string; platform: string };
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** The exact commit, the machine and the date the figures belong to. */
export function runStamp(): RunStamp {
  const status = git(["status", "--porcelain"]);
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "HEAD"]) ?? "unknown",
    dirty: status === undefined ? false : status.length > 0,
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGb: Number((totalmem() / 2 ** 30).toFixed(1)),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
  };
}
