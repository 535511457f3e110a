import { parse as parseYaml } from "yaml";
import { usageError } from "./exit-codes.js";

/**
 * A job file: optional YAML front-matter between `---` lines, then the markdown body.
 *
 *   ---
 *   title: Build the API
 *   priority: high
 *   capabilities: [lang:ts]
 *   deps: [schema]
 *   ---
 *   # Build the API
 *   ...
 *
 * Keys are the submit body's (idempotencyKey, title, persona, capabilities, priority, budget, retry,
 * repo, baseBranch, deps, depsMode); `key` is short for idempotencyKey. Lists may also be written
 * "a, b". Unknown keys are sent as they are, so the server names them with its explanation.
 */
export function parseJobFile(text: string, source: string): { fields: Record<string, unknown>; bodyMd: string } {
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  if (!normalised.startsWith("---\n") && normalised !== "---") return { fields: {}, bodyMd: normalised.trim() };
  const end = normalised.indexOf("\n---", 3);
  if (end === -1) throw usageError(`${source}: the front-matter opened with '---' on the first line is never closed`, "end it with a line of '---' before the markdown");
  const yaml = normalised.slice(4, end);
  const rest = normalised.slice(end + 4).replace(/^[^\n]*\n?/, "");
  let fields: unknown;
  try {
    fields = parseYaml(yaml) ?? {};
  } catch (error) {
    throw usageError(`${source}: the front-matter is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw usageError(`${source}: the front-matter must be a set of 'key: value' lines`);
  }
  const record = { ...(fields as Record<string, unknown>) };
  if ("key" in record) {
    if ("idempotencyKey" in record) throw usageError(`${source}: give either 'key' or 'idempotencyKey' in the front-matter, not both`);
    record.idempotencyKey = record.key;
    delete record.key;
  }
  for (const list of ["capabilities", "deps"]) {
    if (typeof record[list] === "string") record[list] = splitList(record[list] as string);
  }
  for (const [name, value] of Object.entries(record)) {
    if (value instanceof Date) record[name] = value.toISOString();
  }
  return { fields: record, bodyMd: rest.trim() };
}

export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
