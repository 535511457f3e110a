import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { callRetryBackoffMs } from "../contracts/index.js";

/** One process the supervisor keeps running. */
export interface ProcessSpec {
  name: string;
  /** The TypeScript entry point (run with tsx). */
  entry: string;
  /** Arguments; `previous` is what the last run announced (e.g. its URL), so a restart reuses its port. */
  args?: (previous: string | undefined) => string[];
  env?: (previous: string | undefined) => Record<string, string>;
  /** The first stdout line matching this announces readiness; its first group is the process's address. */
  ready: RegExp;
  readyTimeoutMs?: number;
}

export type SupervisorEvent =
  | { kind: "started"; name: string; pid: number; address: string; restarts: number }
  | { kind: "exited"; name: string; code: number | null; signal: NodeJS.Signals | null; restartInMs: number }
  | { kind: "not-ready"; name: string; reason: string };

interface Supervised {
  spec: ProcessSpec;
  child: ChildProcess | undefined;
  address: string | undefined;
  restarts: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  log: WriteStream;
  /** Until the first start succeeded, `start()` owns retries (the exit handler does not restart). */
  starting: boolean;
}

/** Tries at the first start before giving up: a process may find its port or data directory
 * still held for a moment by its predecessor that is dying (after a kill -9 of everything). */
const FIRST_START_ATTEMPTS = 6;

/** A process that stayed up this long is healthy again: its next crash restarts it quickly. */
const HEALTHY_AFTER_MS = 30_000;

/**
 * Keeps a set of child processes running, as a process manager would on one machine: starts them
 * in order (each waits for the one before it to announce readiness), restarts one that dies with
 * jittered exponential backoff (250 ms up to 10 s, reset once it has been up for 30 s), says so
 * through `onEvent`, and stops them all in reverse order (SIGTERM, then SIGKILL after a grace).
 * Each process's output goes to `<logDir>/<name>.log`.
 */
export class Supervisor {
  private readonly processes = new Map<string, Supervised>();
  private stopping = false;

  constructor(private readonly options: { logDir: string; onEvent: (event: SupervisorEvent) => void; graceMs?: number }) {
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Starts the process and resolves with its announced address once it is ready; retries a few
   * times with backoff when it exits before it is ready, then rejects with its last output. */
  async start(spec: ProcessSpec): Promise<string> {
    const entry: Supervised = {
      starting: true,
      spec,
      child: undefined,
      address: undefined,
      restarts: 0,
      startedAt: 0,
      timer: undefined,
      log: createWriteStream(join(this.options.logDir, `${spec.name}.log`), { flags: "a" }),
    };
    this.processes.set(spec.name, entry);
    for (let attempt = 1; ; attempt++) {
      try {
        const address = await this.launch(entry);
        entry.starting = false;
        return address;
      } catch (error) {
        if (this.stopping || attempt >= FIRST_START_ATTEMPTS) throw error;
        const current = entry.child;
        if (current !== undefined && current.exitCode === null && current.signalCode === null) current.kill("SIGKILL");
        await new Promise((resolve) => setTimeout(resolve, callRetryBackoffMs({ attempt, baseMs: 250, maxMs: 4000 }, Math.random)));
      }
    }
  }

  address(name: string): string | undefined {
    return this.processes.get(name)?.address;
  }

  pid(name: string): number | undefined {
    return this.processes.get(name)?.child?.pid;
  }

  restarts(name: string): number {
    return this.processes.get(name)?.restarts ?? 0;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const entry of [...this.processes.values()].reverse()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      await this.terminate(entry);
      await new Promise<void>((resolve) => entry.log.end(resolve));
    }
  }

  private launch(entry: Supervised): Promise<string> {
    const { spec } = entry;
    const child = spawn(process.execPath, ["--import", "tsx", spec.entry, ...(spec.args?.(entry.address) ?? [])], {
      env: { ...process.env, ...spec.env?.(entry.address) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    entry.child = child;
    entry.startedAt = Date.now();
    child.stdout!.pipe(entry.log, { end: false });
    child.stderr!.pipe(entry.log, { end: false });
    let tail = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-2000);
    });
    const ready = new Promise<string>((resolve, reject) => {
      const timeoutMs = spec.readyTimeoutMs ?? 30_000;
      const timer = setTimeout(() => reject(new Error(`${spec.name} did not become ready within ${timeoutMs} ms (log: ${join(this.options.logDir, `${spec.name}.log`)})\n${tail}`)), timeoutMs);
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        const match = spec.ready.exec(line);
        if (match === null || entry.child !== child) return;
        clearTimeout(timer);
        lines.removeAllListeners("line");
        entry.address = match[1] ?? match[0];
        this.options.onEvent({ kind: "started", name: spec.name, pid: child.pid ?? 0, address: entry.address, restarts: entry.restarts });
        resolve(entry.address);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited (${signal ?? `code ${code}`}) before it was ready:\n${tail}`));
      });
    });
    child.once("exit", (code, signal) => {
      if (this.stopping || entry.starting || entry.child !== child) return;
      entry.child = undefined;
      if (Date.now() - entry.startedAt >= HEALTHY_AFTER_MS) entry.restarts = 0;
      entry.restarts++;
      const delay = callRetryBackoffMs({ attempt: entry.restarts, baseMs: 250, maxMs: 10_000 }, Math.random);
      this.options.onEvent({ kind: "exited", name: spec.name, code, signal, restartInMs: delay });
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.stopping) return;
        this.launch(entry).catch((error: unknown) => {
          // Not ready: it exited again (its exit handler schedules the next try), or it hangs and
          // is killed so that the exit handler does.
          this.options.onEvent({ kind: "not-ready", name: spec.name, reason: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
          const current = entry.child;
          if (current !== undefined && current.exitCode === null && current.signalCode === null) current.kill("SIGKILL");
        });
      }, delay);
    });
    return ready;
  }

  private async terminate(entry: Supervised): Promise<void> {
    const child = entry.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), this.options.graceMs ?? 15_000);
    await exited;
    clearTimeout(timer);
  }
}
