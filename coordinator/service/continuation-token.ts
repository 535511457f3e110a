import { createHash } from "node:crypto";
import { FleetError } from "../../contracts/index.js";

/** Version of the token layout; a token of another version is refused like a tampered one. */
const VERSION = 1;

/**
 * Continuation tokens handed to API clients are opaque and bound to the query they page: base64url
 * of `{ v, s, c }`, where `s` is the paging state (the store's own token, and for multi-query
 * listings which query it belongs to) and `c` a checksum of the query's fingerprint and `s`. A
 * token that does not parse, was altered, or comes from a query with other filters is refused with
 * 400 before the store sees it, so it can never silently restart at page 1.
 *
 * The checksum is not a secret: it catches mistakes (a token reused with another filter, a
 * truncated copy), not a forger, whose token the store then refuses (see `pagedQuery`).
 */
export function encodeContinuation(fingerprint: string, state: unknown): string {
  return Buffer.from(JSON.stringify({ v: VERSION, s: state, c: checksum(fingerprint, state) })).toString("base64url");
}

export function decodeContinuation(token: string, fingerprint: string): unknown {
  let parsed: { v?: unknown; s?: unknown; c?: unknown } | undefined;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || parsed.v !== VERSION || parsed.s === undefined || parsed.c !== checksum(fingerprint, parsed.s)) {
    throw invalidContinuation();
  }
  return parsed.s;
}

export function invalidContinuation(): FleetError {
  return new FleetError("VALIDATION", "continuation token is invalid or expired: start again without it", { field: "continuation" }, { hint: false });
}

/** Canonical JSON of what a listing depends on (everything but the page size and the token). */
export function fingerprintOf(parts: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(parts).sort().map((key) => [key, parts[key] ?? null]));
}

function checksum(fingerprint: string, state: unknown): string {
  return createHash("sha256").update(fingerprint).update("\n").update(JSON.stringify(state)).digest("base64url").slice(0, 22);
}
