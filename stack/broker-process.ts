import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const BROKER_CLI = fileURLToPath(new URL("../peers/service-bus/cli.ts", import.meta.url));

export interface BrokerProcess {
  connectionString: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs the local Service Bus protocol broker as its own process and waits for its connection
 * string (the first line it prints). */
export async function startBrokerProcess(options: { port?: number; dataDir?: string; timeoutMs?: number } = {}): Promise<BrokerProcess> {
  const args = ["--import", "tsx", BROKER_CLI, "--port", String(options.port ?? 0)];
  if (options.dataDir !== undefined) args.push("--data-dir", options.dataDir);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const connectionString = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local broker did not start within ${options.timeoutMs ?? 20_000} ms:\n${stderr}`)), options.timeoutMs ?? 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the local broker exited with code ${code} before it was ready:\n${stderr}`));
    });
  });
  return {
    connectionString,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
