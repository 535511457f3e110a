import { createHash, randomBytes } from "node:crypto";
import type { JobSpec } from "../../contracts/index.js";

/**
 * A job's id is derived from (product, idempotency key), so an idempotent resubmit is a point
 * read/create on the same id — never a query — and two products can use the same key safely.
 */
export function deriveJobId(productId: string, idempotencyKey: string): string {
  return `j-${createHash("sha256").update(`${productId}\n${idempotencyKey}`).digest("hex").slice(0, 32)}`;
}

/** What a derived job id looks like; used to tell a job id sent where a key belongs. */
export const JOB_ID = /^j-[0-9a-f]{32}$/;

export function newIdempotencyKey(): string {
  return `auto-${randomBytes(12).toString("hex")}`;
}

/** sha256 over the canonical (key-sorted) JSON of what was submitted, minus the key itself. */
export function contentHashOf(spec: JobSpec, extra: Record<string, unknown> = {}): string {
  const { idempotencyKey: _ignored, ...content } = spec;
  return createHash("sha256").update(canonicalJson({ ...content, ...extra })).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
