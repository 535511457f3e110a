/** Exit codes of `fleet`, documented in `fleet --help` and the README. */
export const EXIT = {
  ok: 0,
  /** The call failed: the server refused it (401, 403, 5xx), it was unreachable, a job failed. */
  failure: 1,
  /** Bad usage: a bad argument, option or file, or a request the server found invalid (400). */
  usage: 2,
  /** What was named does not exist (404). */
  notFound: 3,
  /** A conflict with the current state (409): wrong stage, stale epoch, idempotency conflict. */
  conflict: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  failure (server refused: 401, 403, 5xx; unreachable; a watched job did not ship)
  2  bad usage (a bad argument, option or file; the server answered 400)
  3  not found (404)
  4  conflict with the current state (409: wrong stage, stale epoch, idempotency conflict)`;

/** An error that ends the command with an exit code, a message and what to do next. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly next?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(message: string, next?: string): CliError {
  return new CliError(EXIT.usage, message, next);
}

/** Ends a command with an exit code after it printed its own result (e.g. a watched job failed). */
export class ExitWith extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.name = "ExitWith";
  }
}
