/** Where a command writes: data to stdout, diagnostics and progress to stderr. Colour only on a
 * terminal, never with NO_COLOR (https://no-color.org) or --json. */
export interface Output {
  json: boolean;
  color: boolean;
  /** Whether stderr is a terminal (progress bars and redrawn views). */
  interactive: boolean;
  out(text: string): void;
  err(text: string): void;
}

export interface OutputStreams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function createOutput(streams: OutputStreams, json: boolean): Output {
  const noColor = streams.env.NO_COLOR !== undefined && streams.env.NO_COLOR !== "";
  return {
    json,
    color: !json && !noColor && streams.stdout.isTTY === true && streams.env.TERM !== "dumb",
    interactive: streams.stderr.isTTY === true && streams.env.TERM !== "dumb",
    out: (text) => void streams.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => void streams.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  };
}

const STAGE_COLOURS: Readonly<Record<string, number>> = {
  shipped: 32,
  failed: 31,
  dead_letter: 31,
  cancelled: 90,
  building: 36,
  review: 36,
  testing: 36,
  assigned: 33,
  queued: 0,
  blocked: 35,
};

export function paint(output: Output, code: number, text: string): string {
  return output.color && code !== 0 ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function paintStage(output: Output, stage: string): string {
  return paint(output, STAGE_COLOURS[stage] ?? 0, stage);
}

export function bold(output: Output, text: string): string {
  return paint(output, 1, text);
}

/** Colour codes (SGR); built from a string so no control character sits in a regex literal. */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Columns aligned on the widest cell; colour codes do not count towards the width. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const visible = (text: string) => text.replace(ANSI_SGR, "").length;
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => visible(row[column] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + " ".repeat(Math.max(0, widths[column]! - visible(cell)))))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** "3s ago", "5m ago", "2h ago", "4d ago" (from an ISO time), for tables; JSON keeps the ISO time. */
export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** One line of NDJSON (watch commands). */
export function printJsonLine(output: Output, value: unknown): void {
  output.out(JSON.stringify(value));
}
