import { CommanderError } from "commander";
import { ApiError } from "./api-client.js";
import type { CliIo } from "./context.js";
import { CliError, EXIT, type ExitCode, ExitWith } from "./exit-codes.js";
import { buildProgram } from "./program.js";

/** Runs `fleet` with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const program = buildProgram(io);
  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => void io.stdout.write(text),
    writeErr: (text) => void io.stderr.write(text),
  });
  for (const command of allCommands(program)) {
    command.exitOverride();
    command.configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) });
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): ExitCode {
  if (error instanceof CommanderError) {
    // Commander already printed its message. --help and --version are answers (exit code 0); help
    // shown because a subcommand is missing, and every parse error, are bad usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof ExitWith) return error.exitCode;
  if (error instanceof CliError) {
    io.stderr.write(`error: ${error.message}${error instanceof ApiError ? ` [${error.status} ${error.body.code}]` : ""}\n`);
    if (error.next !== undefined) io.stderr.write(`next: ${error.next}\n`);
    return error.exitCode;
  }
  if ((error as Error)?.name === "AbortError") return EXIT.ok;
  io.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.failure;
}

function allCommands(program: import("commander").Command): import("commander").Command[] {
  const all: import("commander").Command[] = [];
  const visit = (command: import("commander").Command) => {
    for (const sub of command.commands) {
      all.push(sub);
      visit(sub);
    }
  };
  visit(program);
  return all;
}

function processIo(): CliIo {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdin: process.stdin,
    now: () => Date.now(),
    signal: controller.signal,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        }
        signal?.addEventListener("abort", done, { once: true });
      }),
  };
}
