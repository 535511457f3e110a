import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PoolDefinition } from "../../contracts/index.js";
import type { WorkerHandle, WorkerLauncher, WorkerState } from "./worker-launcher.js";

const AGENT_ENTRY = fileURLToPath(new URL("../../factory-agent/main.ts", import.meta.url));

export interface ProcessLauncherOptions {
  coordinatorUrl: string;
  serviceBusConnectionString: string;
  poolTokens: Readonly<Record<string, string>>;
  /** Extra environment for every agent (engine settings, idle timeout...). */
  env?: Readonly<Record<string, string>>;
  /** Where each agent's log goes; one file per agent. */
  logDir: string;
}

/** Starts factory agents as local Node processes (what a container runtime does in a cluster). */
export class ProcessLauncher implements WorkerLauncher {
  private sequence = 0;
  constructor(private readonly options: ProcessLauncherOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  launch(pool: PoolDefinition, mode: "one-shot" | "serve"): WorkerHandle {
    const id = `${pool.name}-${++this.sequence}`;
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", AGENT_ENTRY], {
      env: {
        ...process.env,
        ...this.options.env,
        COORDINATOR_URL: this.options.coordinatorUrl,
        FACTORY_TOKEN: this.options.poolTokens[pool.name] ?? "",
        FACTORY_ID: id,
        POOL: pool.name,
        SEATS: String(pool.seats),
        MODE: mode,
        SERVICEBUS_CONNECTION_STRING: this.options.serviceBusConnectionString,
        HEALTH_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let state: WorkerState = "pending";
    const log = createWriteStream(join(this.options.logDir, `${id}.log`));
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      if (state === "pending" && text.includes("factory agent started")) state = "running";
      // A one-shot agent that finished, or an idle one, is on its way out: no longer a replica.
      if (state !== "exited" && text.includes("factory agent exiting")) state = "stopping";
      log.write(chunk);
    });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        state = "exited";
        log.end();
        resolve(code);
      }),
    );
    return {
      id,
      pool: pool.name,
      mode,
      startedAt: Date.now(),
      state: () => state,
      terminate: () => {
        if (state === "exited") return;
        state = "stopping";
        child.kill("SIGTERM");
      },
      kill: () => {
        if (state !== "exited") child.kill("SIGKILL");
      },
      exited,
    };
  }
}
