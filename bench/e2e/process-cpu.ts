import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux, asked once). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface StatFields {
  ppid: number;
  /** utime + stime of the process itself. */
  ownTicks: number;
  /** cutime + cstime: children that exited and were waited for. */
  reapedChildTicks: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
  const at = (field: number) => Number(fields[field - 3]);
  return { ppid: at(4), ownTicks: at(14) + at(15), reapedChildTicks: at(16) + at(17) };
}

/** Every live descendant of `pid` (a process tree walk over /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const found: number[] = [];
  const queue = [pid];
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    const next = queue.shift()!;
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** CPU seconds (user + system) of a process and its children, live and reaped, from /proc. */
export function cpuSeconds(pid: number): number {
  const own = readStat(pid);
  if (own === undefined) throw new Error(`no process ${pid} in /proc: it exited before its CPU time was read`);
  let ticks = own.ownTicks + own.reapedChildTicks;
  for (const child of descendants(pid)) ticks += readStat(child)?.ownTicks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/**
 * The command line of a process; the benchmark checks it names node running the entry point
 * itself, so the CPU read is that of the code and not of a wrapper (npm, or a tsx launcher that
 * forks the real process).
 */
export function assertNodeRunning(pid: number, entry: string): void {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((part) => part !== "");
  } catch {
    throw new Error(`no process ${pid} in /proc`);
  }
  const executable = argv[0] ?? "";
  if (!/(^|\/)node[\d.]*$/.test(executable) || !argv.includes(entry)) {
    throw new Error(`process ${pid} is '${argv.join(" ")}', not node running ${entry}: its CPU would not be the code's`);
  }
}
