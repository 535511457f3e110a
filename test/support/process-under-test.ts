import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ProcessUnderTest {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line matching `pattern` (its first capture group). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry point as its own Node process (through tsx), as a user would. */
export function startTsProcess(entry: string, options: { args?: string[]; env?: Record<string, string | undefined> } = {}): ProcessUnderTest {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...(options.args ?? [])], {
    // An undefined value removes the variable (rather than passing the string "undefined").
    env: Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter(([, value]) => value !== undefined)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (value: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(line);
      if (match !== null) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match[1] ?? match[0]);
      }
    }
  });
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => output,
    exited,
    waitForLine(pattern, timeoutMs) {
      for (const line of lines) {
        const match = pattern.exec(line);
        if (match !== null) return Promise.resolve(match[1] ?? match[0]);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
        });
        void exited.then(({ code }) => {
          clearTimeout(timer);
          reject(new Error(`exited with code ${code} before printing a line matching ${pattern}; output:\n${output}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
