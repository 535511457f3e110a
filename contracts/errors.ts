/** The project's own error codes. Adapters translate SDK errors into these; one Fastify error
 * handler maps them to HTTP statuses (see coordinator/api/error-handler.ts).
 *
 * `hint` says what to do next and is appended to the message. `needsField`: the hint speaks of "the
 * named field", so it is added only when the error names one (details.fields or details.field). */
export const ERROR_CATALOGUE = {
  VALIDATION: { status: 400, hint: "fix the named field and resend", needsField: true },
  DEPENDENCY_CYCLE: { status: 400, hint: "remove one of the dependencies that closes the cycle" },
  UNKNOWN_DEPENDENCY: { status: 400, hint: "submit the dependency first, or fix its idempotency key" },
  UNAUTHENTICATED: { status: 401, hint: "send 'Authorization: Bearer <token>' with a valid, unrevoked token" },
  FORBIDDEN: { status: 403, hint: "this credential may not perform this call (wrong role or pool)" },
  NOT_FOUND: { status: 404, hint: "check the id; jobs of other products are invisible" },
  ALREADY_EXISTS: { status: 409, hint: "pick another id, or leave it out and let the coordinator choose one" },
  IDEMPOTENCY_CONFLICT: { status: 409, hint: "use a new idempotency key, or resend the original content" },
  STALE_EPOCH: { status: 409, hint: "the job was reassigned; stop working on it and drop the assignment" },
  LEASE_TAKEN: { status: 409, hint: "another factory accepted this epoch first; drop the assignment" },
  ILLEGAL_TRANSITION: { status: 409, hint: "read the job's current stage; this transition is not allowed from it" },
  PAYLOAD_TOO_LARGE: { status: 413, hint: "shrink the body below the limit" },
  RATE_LIMITED: { status: 429, hint: "slow down and retry after the Retry-After interval" },
  STORE_UNAVAILABLE: { status: 503, hint: "the store is unreachable or throttling; retry with backoff" },
  LEADER_UNAVAILABLE: { status: 503, hint: "the coordinator replicas are electing a leader; retry in a second" },
  ARTIFACTS_UNAVAILABLE: { status: 503, hint: "the artifact store is not configured on this coordinator or does not answer; check ARTIFACTS_CONNECTION_STRING or ARTIFACTS_ACCOUNT_URL, or retry" },
  INTERNAL: { status: 500, hint: "retry; if it persists, check the coordinator logs" },
} as const satisfies Record<string, { status: number; hint: string; needsField?: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface FleetErrorOptions {
  /** What to do next, when the error knows better than the catalogue; false: the message already says it. */
  hint?: string | false;
}

export class FleetError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly hint: string | false | undefined;
  constructor(code: ErrorCode, message: string, details?: unknown, options: FleetErrorOptions = {}) {
    super(message);
    this.name = "FleetError";
    this.code = code;
    this.details = details;
    this.hint = options.hint;
  }
}

export function isFleetError(error: unknown, code?: ErrorCode): error is FleetError {
  return error instanceof FleetError && (code === undefined || error.code === code);
}

/** The hint that applies to an error: its own, else the catalogue's unless that one needs a named
 * field and none is named. */
export function hintFor(code: ErrorCode, details: unknown, own?: string | false): string | undefined {
  if (own === false) return undefined;
  if (own !== undefined) return own;
  const entry: { hint: string; needsField?: boolean } = ERROR_CATALOGUE[code];
  if (entry.needsField === true && !namesField(details)) return undefined;
  return entry.hint;
}

function namesField(details: unknown): boolean {
  if (typeof details !== "object" || details === null) return false;
  const { field, fields } = details as { field?: unknown; fields?: unknown };
  return typeof field === "string" || (Array.isArray(fields) && fields.some((f) => typeof (f as { field?: unknown }).field === "string" && (f as { field: string }).field !== ""));
}
