import { readFileSync } from "node:fs";
import { formatZodIssues } from "../contracts/validation-message.js";
import { CredentialsFile } from "../coordinator/auth/credentials.js";
import { UsageError } from "./entry-point.js";

/** Reads and validates a credentials file; a missing, unreadable or invalid one is a UsageError. */
export function readCredentialsFile(path: string): CredentialsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read the credentials file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = CredentialsFile.safeParse(raw);
  if (!parsed.success) throw new UsageError(`invalid credentials file ${path}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}
