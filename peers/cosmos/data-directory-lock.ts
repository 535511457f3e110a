import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const LOCK_FILE = "LOCK";
/** Data directories held by peers of this process (a pid alone cannot tell two of them apart). */
const heldHere = new Set<string>();

/**
 * Claims `dir` for one peer: two peers appending to the same journal would interleave their
 * records and corrupt it. The lock file holds the owner's pid; one left by a process that is gone
 * (killed with SIGKILL) is taken over. Returns the release function.
 */
export function lockDataDirectory(dir: string): () => void {
  const key = resolve(dir);
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(key)) throw new Error(`the Cosmos peer's data directory ${dir} is already in use by another peer in this process; close it first`);
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new Error(`the Cosmos peer's data directory ${dir} is in use by process ${owner}; stop it first, or delete ${path} if no peer runs`);
    }
    writeFileSync(path, `${process.pid}\n`);
  }
  heldHere.add(key);
  return () => {
    heldHere.delete(key);
    rmSync(path, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
