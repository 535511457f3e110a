import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EMULATOR_KEY } from "./embedded-cosmos.js";

const COSMOS_CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
// `--import tsx`, resolved from here rather than from the child's working directory, which may be
// any directory (one without node_modules included).
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface CosmosProcessOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Without it the peer runs `--in-memory`. */
  dataDir?: string;
  ruPerSecond?: number;
  compactAtBytes?: number;
  /** How long to wait for the endpoint line. Default 20 s. */
  timeoutMs?: number;
  /** Working directory of the child (default: this process's). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CosmosProcess {
  endpoint: string;
  key: string;
  child: ChildProcess;
  /** What the peer printed on stderr (the last few KB). */
  stderr(): string;
  /** SIGTERM (the peer writes its last fsync and exits), SIGKILL after 5 s; resolves on exit. */
  stop(): Promise<void>;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Runs the local Cosmos DB peer as its own process (peers/cosmos/cli.ts) and waits for its
 * endpoint, the first line it prints. */
export async function startCosmosProcess(options: CosmosProcessOptions = {}): Promise<CosmosProcess> {
  const args = ["--import", TSX_LOADER, COSMOS_CLI, "--port", String(options.port ?? 0)];
  args.push(...(options.dataDir === undefined ? ["--in-memory"] : ["--data-dir", options.dataDir]));
  if (options.ruPerSecond !== undefined) args.push("--ru-per-second", String(options.ruPerSecond));
  if (options.compactAtBytes !== undefined) args.push("--compact-at", String(options.compactAtBytes));
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      lines.close();
      child.kill("SIGKILL");
      reject(new Error(`the Cosmos peer process did not print its endpoint within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      lines.close();
      child.stdout?.resume();
      resolve(line.trim());
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the Cosmos peer process exited (${signal ?? `code ${code}`}) before it was ready:\n${stderr}`));
    });
  });
  const kill = (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    endpoint,
    key: EMULATOR_KEY,
    child,
    stderr: () => stderr,
    kill,
    stop: () => {
      const force = setTimeout(() => child.kill("SIGKILL"), 5000);
      force.unref();
      return kill("SIGTERM").finally(() => clearTimeout(force));
    },
  };
}
