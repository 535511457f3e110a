import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface ChildSpec {
  name: string;
  /** A TypeScript entry point, run with tsx. */
  entry: string;
  args: () => string[];
  /** Options for node itself, before the entry point (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  env?: () => Record<string, string>;
  /** The first output line matching this announces readiness; its first group is the address. */
  ready: RegExp;
  readyTimeoutMs?: number;
  /** Every line the process writes is appended here. */
  logFile: string;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * One process of a live chaos run that the scenario starts, kills and restarts itself (no
 * supervisor restarts it behind the scenario's back): it records every start and every exit with
 * the signal that ended it, so a scenario can prove its SIGKILL landed.
 */
export class ManagedChild {
  child: ChildProcess | undefined;
  address: string | undefined;
  readonly exits: ChildExit[] = [];
  starts = 0;
  private tail = "";
  private readonly log: WriteStream;
  private readonly exitListeners: ((exit: ChildExit, expected: boolean) => void)[] = [];
  private expectExit = false;

  constructor(readonly spec: ChildSpec) {
    this.log = createWriteStream(spec.logFile, { flags: "a" });
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last 100 KB this process (all its incarnations) wrote. */
  output(): string {
    return this.tail;
  }

  /** Called on every exit; `expected` is false when nothing of the run asked for it. */
  onExit(listener: (exit: ChildExit, expected: boolean) => void): void {
    this.exitListeners.push(listener);
  }

  /** Starts the process and resolves with the address its ready line announced. */
  async start(): Promise<string> {
    if (this.running()) throw new Error(`${this.spec.name} is already running`);
    const spec = this.spec;
    const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), "--import", TSX_LOADER, spec.entry, ...spec.args()], {
      env: { ...process.env, ...spec.env?.() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.starts++;
    this.expectExit = false;
    this.log.write(`--- start ${this.starts} (pid ${child.pid}) at ${new Date().toISOString()}\n`);
    const capture = (chunk: Buffer) => {
      const text = chunk.toString();
      this.tail = (this.tail + text).slice(-100_000);
      this.log.write(text);
    };
    child.stdout!.on("data", capture);
    child.stderr!.on("data", capture);
    child.once("exit", (code, signal) => {
      const exit = { code, signal, at: Date.now() };
      this.exits.push(exit);
      this.log.write(`--- exit (${signal ?? `code ${code}`}) at ${new Date(exit.at).toISOString()}\n`);
      for (const listener of this.exitListeners) listener(exit, this.expectExit);
    });
    const timeoutMs = spec.readyTimeoutMs ?? 60_000;
    return new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      const timer = setTimeout(() => {
        lines.close();
        reject(new Error(`${spec.name} did not announce readiness within ${timeoutMs} ms (log: ${spec.logFile}):\n${this.tail.slice(-2000)}`));
      }, timeoutMs);
      lines.on("line", (line) => {
        const match = spec.ready.exec(line);
        if (match === null) return;
        clearTimeout(timer);
        lines.removeAllListeners("line");
        this.address = match[1] ?? match[0];
        resolve(this.address);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited (${signal ?? `code ${code}`}) before it was ready (log: ${spec.logFile}):\n${this.tail.slice(-2000)}`));
      });
    });
  }

  /** Sends a signal; for one that ends the process, resolves once it has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running()) return;
    if (signal === "SIGSTOP" || signal === "SIGCONT") {
      child.kill(signal);
      return;
    }
    this.expectExit = true;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(force);
  }

  /** SIGTERM (SIGKILL after 15 s) if running, and closes the log. */
  async stop(): Promise<void> {
    // A stopped process ignores SIGTERM until continued.
    if (this.running()) this.child!.kill("SIGCONT");
    await this.kill("SIGTERM");
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
