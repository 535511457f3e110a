import { cpuSeconds } from "./process-cpu.js";

export interface ProcessRef {
  name: string;
  pid: number;
}

/** CPU seconds of each process between `start()` and `stop()`, from /proc. */
export class CpuWindow {
  private readonly before = new Map<number, number>();

  constructor(private readonly processes: ProcessRef[]) {
    for (const process of processes) this.before.set(process.pid, cpuSeconds(process.pid));
  }

  /** CPU seconds used by each process since the window opened, by name. */
  close(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const process of this.processes) used[process.name] = cpuSeconds(process.pid) - this.before.get(process.pid)!;
    return used;
  }
}

/** Microseconds of CPU per job by process group (agents summed), and all processes together. */
export function cpuPerJob(used: Record<string, number>, jobs: number): Record<string, number> {
  const per = (seconds: number) => (jobs === 0 ? 0 : Math.round((seconds * 1e6) / jobs));
  const groups: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(used)) {
    const group = name.startsWith("agent-") ? "agents" : name;
    groups[group] = (groups[group] ?? 0) + seconds;
  }
  const out: Record<string, number> = {};
  for (const [group, seconds] of Object.entries(groups)) out[group] = per(seconds);
  out.total = per(Object.values(used).reduce((a, b) => a + b, 0));
  return out;
}
