import { parseArgs } from "node:util";
import { startLocalServiceBus } from "./broker.js";

const DEFAULT_PORT = 5672;

const HELP = `Usage: npm run broker [-- --port N] [--data-dir DIR] [--trace FILE]

The local Service Bus broker (AMQP 1.0 and the administration endpoint on one port) for the real
@azure/service-bus SDK. Prints its connection string on the first line of stdout, then runs until
SIGINT or SIGTERM.

Options:
  --port N        ${String(DEFAULT_PORT).padEnd(5)}  port on 127.0.0.1 (0 picks a free one)
  --data-dir DIR  -      keep topology and messages in DIR across restarts (default: in memory only);
                         a publish is acknowledged once it is on disk there
  --trace FILE    -      append a JSON line per message a topic accepts (time, topic, message id,
                         duplicate): a record of what was published, for chaos runs
  -h, --help             print this help and exit

Environment: none (every setting is an option).

Exit codes: 0 stopped by SIGINT/SIGTERM; 1 the broker failed; 2 bad usage.
`;

class UsageError extends Error {}

function parseOptions(argv: string[]): { help: true } | { help: false; port: number; dataDir?: string; traceFile?: string } {
  let values: { port?: string; "data-dir"?: string; trace?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: "string" }, "data-dir": { type: "string" }, trace: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return { help: true };
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? String(DEFAULT_PORT)) || port > 65_535) {
    throw new UsageError(`--port must be a port number from 0 to 65535 (0 picks a free one), not '${values.port}'`);
  }
  return { help: false, port, ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }), ...(values.trace === undefined ? {} : { traceFile: values.trace }) };
}

/** `npm run broker -- --port 5672 [--data-dir DIR]`: prints the connection string on the first
 * line of stdout, then runs until SIGINT/SIGTERM. */
async function main(): Promise<number | undefined> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`broker: ${error.message}; see npm run broker -- --help\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { port, dataDir, traceFile } = options;
  const broker = await startLocalServiceBus({ port, ...(dataDir === undefined ? {} : { dataDir }), ...(traceFile === undefined ? {} : { traceFile }) });
  process.stdout.write(`${broker.connectionString}\n`);
  process.stderr.write(`local Service Bus broker listening on 127.0.0.1:${broker.port}${dataDir === undefined ? "" : ` (state in ${dataDir})`}\n`);
  const shutdown = () => void broker.close().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  // Runs until a signal; the listener keeps the process alive.
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`broker failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
