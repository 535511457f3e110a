import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { formatZodIssues } from "../contracts/validation-message.js";
import { CredentialsFile, type CredentialRegistry } from "../coordinator/auth/credentials.js";
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

/**
 * Re-reads the credentials file into the registry (on SIGHUP): revocations and new keys take
 * effect at once, without a restart. A file that cannot be read or is invalid changes nothing:
 * the previous credentials stay in force and the reason is logged. Never throws.
 */
export function reloadCredentialsFile(registry: CredentialRegistry, path: string, logger: Logger): boolean {
  try {
    const file = readCredentialsFile(path);
    registry.replace(file);
    logger.info({ path, operators: file.operators.length, factories: file.factories.length }, "credentials file re-read");
    return true;
  } catch (error) {
    logger.error({ path, reason: error instanceof Error ? error.message : String(error) }, "credentials file NOT re-read: the previous credentials stay in force; fix the file and send SIGHUP again");
    return false;
  }
}
