import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_COMPACT_AT_BYTES } from "./data-directory.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "./embedded-cosmos.js";

const DEFAULT_PORT = 8081;
const DEFAULT_DATA_DIR = ".fleet/cosmos";

const USAGE = `Usage: npm run cosmos -- [options]

The local Cosmos DB peer as its own process. Prints its endpoint (http://HOST:PORT) as the first
line of stdout once it accepts requests; diagnostics go to stderr. SIGTERM or SIGINT stops it
after the journal's last fsync.

Options:
  --host HOST             address to listen on (default 127.0.0.1)
  --port PORT             port to listen on; 0 picks a free one (default ${DEFAULT_PORT}, the emulator's)
  --data-dir DIR          keep the state in DIR: every acknowledged write is on disk before its
                          reply, and the state is restored at start (default ${DEFAULT_DATA_DIR})
  --in-memory             keep the state in memory only (gone when the process stops)
  --ru-per-second N       a request-unit budget: past it, document requests get 429 with
                          x-ms-retry-after-ms (default: no budget)
  --compact-at BYTES      journal size that triggers a snapshot (default ${DEFAULT_COMPACT_AT_BYTES})
  --help                  print this and exit
`;

class UsageError extends Error {}

interface CliOptions {
  host: string;
  port: number;
  dataDir: string | undefined;
  ruPerSecond: number | undefined;
  compactAtBytes: number | undefined;
}

function parseCli(argv: string[]): CliOptions | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help === true) return "help";
  if (values["in-memory"] === true && values["data-dir"] !== undefined) throw new UsageError("--in-memory and --data-dir exclude each other; pick one");
  const port = integerOption("--port", values.port, DEFAULT_PORT);
  if (port > 65_535) throw new UsageError("--port must be a port number (0 picks a free one)");
  const ruPerSecond = values["ru-per-second"] === undefined ? undefined : Number(values["ru-per-second"]);
  if (ruPerSecond !== undefined && !(ruPerSecond > 0 && Number.isFinite(ruPerSecond))) throw new UsageError("--ru-per-second must be a positive number");
  const compactAt = values["compact-at"] === undefined ? undefined : integerOption("--compact-at", values["compact-at"], 0);
  if (compactAt !== undefined && compactAt < 1) throw new UsageError("--compact-at must be a positive number of bytes");
  return {
    host: values.host ?? "127.0.0.1",
    port,
    dataDir: values["in-memory"] === true ? undefined : resolve(values["data-dir"] ?? DEFAULT_DATA_DIR),
    ruPerSecond,
    compactAtBytes: compactAt,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      "in-memory": { type: "boolean" },
      "ru-per-second": { type: "string" },
      "compact-at": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function integerOption(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} must be a whole number, not '${raw}'`);
  return value;
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(USAGE);
    return;
  }
  let started: EmbeddedCosmos | undefined;
  const peer = await startEmbeddedCosmos({
    host: options.host,
    port: options.port,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.ruPerSecond === undefined ? {} : { ruPerSecond: options.ruPerSecond }),
    ...(options.compactAtBytes === undefined ? {} : { compactAtBytes: options.compactAtBytes }),
    onJournalFailure: (error) => {
      // Fail-stop: memory is now ahead of the disk; a restart serves what the disk holds.
      process.stderr.write(`the Cosmos peer stops: ${error.message}\n`);
      void (started?.close() ?? Promise.resolve()).finally(() => process.exit(1));
    },
  });
  started = peer;
  process.stdout.write(`${peer.endpoint}\n`);
  const restored = peer.restored;
  process.stderr.write(
    `Cosmos DB peer listening on ${peer.endpoint}, ` +
      (options.dataDir === undefined
        ? "state in memory only\n"
        : `state in ${options.dataDir} (${restored?.documents ?? 0} documents restored, ${restored?.opsReplayed ?? 0} journalled writes replayed)\n`),
  );
  if (restored?.droppedTail !== undefined) process.stderr.write(`dropped an incomplete last journal record, never acknowledged: ${restored.droppedTail}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    peer
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`the Cosmos peer did not close cleanly: ${(error as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`the Cosmos peer failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
