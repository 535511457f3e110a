/** The project's own error codes. Adapters translate SDK errors into these; one Fastify error
 * handler maps them to HTTP statuses (see coordinator/api/error-handler.ts). */
export const ERROR_CATALOGUE = {
  VALIDATION: { status: 400, hint: "fix the named field and resend" },
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
  INTERNAL: { status: 500, hint: "retry; if it persists, check the coordinator logs" },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class FleetError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "FleetError";
    this.code = code;
    this.details = details;
  }
}

export function isFleetError(error: unknown, code?: ErrorCode): error is FleetError {
  return error instanceof FleetError && (code === undefined || error.code === code);
}
