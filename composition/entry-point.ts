import { parseArgs, type ParseArgsConfig } from "node:util";

/** Bad configuration or usage: the process exits with code 2 and the message, nothing started. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes shared by every entry point (documented in the README). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface EntryPointSpec<O extends NonNullable<ParseArgsConfig["options"]>> {
  /** How the command is invoked, e.g. "npm start -- [options]". */
  usage: string;
  summary: string;
  options: O;
  /** One line per option, in order: [flag text, meaning]. */
  optionHelp: readonly (readonly [string, string])[];
  /** Environment variables: [name, default, meaning]. */
  environment?: readonly (readonly [string, string, string])[];
  /** Extra paragraphs (examples, notes). */
  notes?: readonly string[];
}

/** The text `--help` prints: usage, options, environment. */
export function helpText(spec: EntryPointSpec<NonNullable<ParseArgsConfig["options"]>>): string {
  const pad = (rows: readonly (readonly string[])[]) => {
    const width = Math.max(0, ...rows.map((row) => row[0]!.length));
    return rows.map((row) => `  ${row[0]!.padEnd(width)}  ${row.slice(1).join("  ")}`).join("\n");
  };
  const parts = [`Usage: ${spec.usage}`, "", spec.summary, "", "Options:", pad([...spec.optionHelp, ["-h, --help", "show this help and exit"]])];
  if (spec.environment !== undefined && spec.environment.length > 0) {
    parts.push("", "Environment:", pad(spec.environment.map(([name, fallback, meaning]) => [name, `${meaning}${fallback === "" ? "" : ` (default: ${fallback})`}`])));
  }
  if (spec.notes !== undefined) parts.push("", ...spec.notes);
  parts.push("", "Exit codes: 0 success, 1 failure, 2 bad usage or configuration.");
  return `${parts.join("\n")}\n`;
}

/**
 * Parses argv strictly: an unknown option or a missing value is a UsageError naming it. Returns
 * undefined after printing help when `--help` was given (the caller exits 0 without starting).
 */
export interface EntryArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** A string option's value (the last one given). */
  text(name: string): string | undefined;
  flag(name: string): boolean;
}

export function parseEntryArgs<O extends NonNullable<ParseArgsConfig["options"]>>(spec: EntryPointSpec<O>, argv: readonly string[]): EntryArgs | undefined {
  const options: NonNullable<ParseArgsConfig["options"]> = { ...spec.options, help: { type: "boolean", short: "h" } };
  let parsed: { values: EntryArgs["values"]; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, "") : String(error);
    throw new UsageError(`${message} (see --help)`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(helpText(spec as EntryPointSpec<NonNullable<ParseArgsConfig["options"]>>));
    return undefined;
  }
  const values = parsed.values;
  return {
    values,
    positionals: parsed.positionals,
    text(name) {
      const value = values[name];
      const last = Array.isArray(value) ? value.at(-1) : value;
      return typeof last === "string" ? last : undefined;
    },
    flag: (name) => values[name] === true,
  };
}

/** A whole number within bounds, or a UsageError naming the option. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return value;
}

/**
 * Runs an entry point: exit 0 on success (or the code it returns), 2 with the message for bad
 * usage or configuration, 1 with the message for anything else. `name` prefixes every message.
 */
export function runEntryPoint(name: string, main: () => Promise<number | undefined>): void {
  main().then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: unknown) => {
      const usage = error instanceof UsageError;
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(usage ? EXIT.usage : EXIT.failure);
    },
  );
}
