import { startLocalServiceBus } from "./broker.js";

/** `npm run broker -- --port 5672 [--data-dir DIR]`: prints the connection string on the first
 * line of stdout, then runs until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : args[i + 1];
  };
  const port = Number(value("--port") ?? 5672);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error("--port must be a port number (0 picks a free one)");
  const dataDir = value("--data-dir");
  const broker = await startLocalServiceBus({ port, ...(dataDir === undefined ? {} : { dataDir }) });
  process.stdout.write(`${broker.connectionString}\n`);
  process.stderr.write(`local Service Bus broker listening on 127.0.0.1:${broker.port}${dataDir === undefined ? "" : ` (state in ${dataDir})`}\n`);
  const shutdown = () => void broker.close().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`broker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
