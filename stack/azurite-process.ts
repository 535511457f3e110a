import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

/** Azurite's well-known development account (public, documented by Microsoft; never a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The Blob service of the azurite package (Microsoft's Storage emulator), run with plain node. */
export const AZURITE_BLOB_MAIN = join(dirname(createRequire(import.meta.url).resolve("azurite/package.json")), "dist", "src", "blob", "main.js");

/** What Azurite prints once it listens: its base URL. */
export const AZURITE_READY = /successfully listens on (http:\/\/\S+)/;

export function azuriteConnectionString(blobUrl: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobUrl.replace(/\/$/, "")}/${AZURITE_ACCOUNT};`;
}

/**
 * Azurite's arguments: 127.0.0.1 only, the given port (0: any free one), its data in `location`
 * (or in memory), no telemetry (nothing leaves the machine), no API-version check (the SDK may be
 * newer than the emulator), loose mode (headers it does not know are ignored, not refused).
 */
export function azuriteArgs(options: { port: number; location?: string }): string[] {
  return [
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(options.port),
    ...(options.location === undefined ? ["--inMemoryPersistence"] : ["--location", options.location]),
    "--skipApiVersionCheck",
    "--loose",
    "--disableTelemetry",
    "--silent",
  ];
}

export interface AzuriteProcess {
  blobUrl: string;
  connectionString: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts Azurite's Blob service as a child process and waits until it listens. */
export async function startAzurite(options: { port?: number; location?: string; timeoutMs?: number } = {}): Promise<AzuriteProcess> {
  const child = spawn(process.execPath, [AZURITE_BLOB_MAIN, ...azuriteArgs({ port: options.port ?? 0, ...(options.location === undefined ? {} : { location: options.location }) })], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const blobUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      output = (output + line + "\n").slice(-4000);
      const match = AZURITE_READY.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      lines.removeAllListeners("line");
      child.stdout?.resume();
      resolve(match[1]!);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code} before it listened:\n${output}`));
    });
  });
  return {
    blobUrl,
    connectionString: azuriteConnectionString(blobUrl),
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
