import type { Command } from "commander";
import { FleetClient } from "./api-client.js";
import { resolveConnection } from "./config.js";
import { createOutput, type Output, type OutputStreams } from "./output.js";

/** What the process gives the CLI: streams, environment, stdin, a clock. Tests pass their own. */
export interface CliIo extends OutputStreams {
  stdin: NodeJS.ReadableStream;
  now: () => number;
  /** Resolves after `ms` unless `signal` aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborted on Ctrl-C: watch commands stop cleanly. */
  signal: AbortSignal;
}

export interface GlobalOptions {
  url?: string;
  token?: string;
  profile?: string;
  json?: boolean;
}

export interface CommandContext {
  io: CliIo;
  output: Output;
  client: FleetClient;
}

/** The context of one command run, from the global options as commander parsed them. */
export function contextOf(command: Command, io: CliIo): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const output = createOutput(io, options.json === true);
  const connection = resolveConnection({ url: options.url, token: options.token, profile: options.profile }, io.env);
  return { io, output, client: new FleetClient(connection) };
}
