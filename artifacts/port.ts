import type { Readable } from "node:stream";

/**
 * The artifact store port: where an attempt's log and files keep their bytes (Azure Blob Storage
 * in production, Azurite locally, memory in unit tests). Job documents keep pointers only
 * (contracts/artifact.ts says how keys are laid out). Small on purpose: what the agent writes and
 * what the coordinator serves and expires; no SDK type crosses it.
 *
 * Contract for every adapter (proven by artifacts/contract/artifact-store-contract.ts):
 * - `append` adds bytes at the end of the log at `key`, creating it on first use; appends to one
 *   key are applied in call order when each waits for the previous. A key written with `put` is
 *   not a log: appending to it fails with ArtifactError("conflict").
 * - `put` stores a whole file at `key`, replacing what was there.
 * - `read` returns the bytes from `offset` (to `offset + length` when given) with the object's
 *   total size; an offset at or past the end gives an empty body, never an error; undefined when
 *   there is no such key.
 * - `stat` answers size, content type and last write without the bytes; undefined when absent.
 * - `delete` is idempotent: true when something was deleted.
 * - `list` yields every key under `prefix` (all of them for ""), with size and last write.
 * - `link` signs a short-lived, read-only URL for one key, or answers undefined when the adapter
 *   cannot sign (the caller then streams through `read`).
 * - Failures of the service become ArtifactError: "not_found", "conflict", "too_large",
 *   "unavailable" (unreachable, throttled, refused: retry later).
 */
export interface ArtifactStorePort {
  /** Creates the container if missing. Idempotent. */
  init(): Promise<void>;
  append(key: string, bytes: Buffer, options?: { contentType?: string }): Promise<void>;
  put(key: string, body: Buffer | Readable, options: { contentType: string; bytes?: number }): Promise<{ bytes: number }>;
  read(key: string, options?: { offset?: number; length?: number }): Promise<ArtifactRead | undefined>;
  stat(key: string): Promise<ArtifactStat | undefined>;
  delete(key: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<ArtifactListing>;
  link(key: string, options: { expiresInSeconds: number; now: number; downloadName?: string }): Promise<SignedLink | undefined>;
  /** The address a pointer names (the blob's URL, without any signature). */
  uriOf(key: string): string;
}

export interface ArtifactStat {
  bytes: number;
  contentType: string;
  modifiedAt: number;
}

export interface ArtifactRead extends ArtifactStat {
  /** From `offset`; ends at `min(offset + length, bytes)`. */
  body: Readable;
  offset: number;
}

export interface ArtifactListing {
  key: string;
  bytes: number;
  modifiedAt: number;
}

export interface SignedLink {
  url: string;
  expiresAt: number;
  /** user-delegation: signed with a key obtained by the service's Entra ID identity; service: signed with the account key. */
  kind: "user-delegation" | "service";
}

export type ArtifactErrorCode = "not_found" | "conflict" | "too_large" | "unavailable";

export class ArtifactError extends Error {
  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ArtifactError";
  }
}

export function isArtifactError(error: unknown, code?: ArtifactErrorCode): error is ArtifactError {
  return error instanceof ArtifactError && (code === undefined || error.code === code);
}

/** Reads a body to the end (small objects: logs in chunks, test files). */
export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
