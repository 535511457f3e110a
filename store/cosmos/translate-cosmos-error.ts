import { StoreError } from "../port.js";

/** The fields of @azure/cosmos's ErrorResponse, TimeoutError and core-rest-pipeline's RestError
 * that decide the translation. */
interface CosmosLikeError {
  code?: number | string;
  statusCode?: number;
  message?: string;
  name?: string;
  retryAfterInMs?: number;
}

/** Whether the failed call could have changed stored state: decides what a dropped connection means. */
export type CallKind = "read" | "write";

/** Connection failures after which the request may have reached the server. */
const CUT_MID_REQUEST = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);

/**
 * THE translation from @azure/cosmos failures to the store port's codes.
 *
 * - 412 → conflict, 404 → not_found (`get` turns it into undefined before it gets here),
 *   409 → already_exists, 429 (only after the SDK's own retries) → throttled with retry-after.
 * - 408, the SDK's TimeoutError and an aborted request → timeout: the outcome is unknown.
 * - A connection reset during a write → timeout as well, not unavailable: the request may have
 *   been applied before the socket dropped, and the port promises that only `timeout` means
 *   "may or may not have happened". During a read it is simply unavailable.
 * - ECONNREFUSED, other network errors and 5xx → unavailable (nothing was applied).
 * - Anything else (a 400 for malformed SQL or a foreign continuation token, 401/403 for bad
 *   credentials) → unavailable, with the status in the message: the port has no code for a
 *   request the store will never accept.
 */
export function translateCosmosError(error: unknown, what: string, kind: CallKind): StoreError {
  if (error instanceof StoreError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as CosmosLikeError;
  const status = typeof e.code === "number" ? e.code : e.statusCode;
  const detail = e.message === undefined || e.message === "" ? String(error) : e.message;
  const options = { cause: error };
  switch (status) {
    case 412:
      return new StoreError("conflict", `${what} changed since it was read (412 precondition failed)`, options);
    case 404:
      return new StoreError("not_found", `${what} does not exist (404)`, options);
    case 409:
      return new StoreError("already_exists", `${what} already exists (409)`, options);
    case 429:
      return new StoreError("throttled", `${what} was throttled (429) beyond the SDK's retry budget`, {
        ...options,
        ...(typeof e.retryAfterInMs === "number" && Number.isFinite(e.retryAfterInMs) ? { retryAfterMs: e.retryAfterInMs } : {}),
      });
    case 408:
      return new StoreError("timeout", `${what} timed out (408); the outcome is unknown`, options);
  }
  if (e.code === "TimeoutError" || e.name === "TimeoutError" || e.name === "AbortError") {
    return new StoreError("timeout", `${what} timed out; the outcome is unknown (${detail})`, options);
  }
  if (typeof e.code === "string" && CUT_MID_REQUEST.has(e.code) && kind === "write") {
    return new StoreError("timeout", `${what}: connection lost mid-request (${e.code}); the outcome is unknown`, options);
  }
  const label = status === undefined ? (typeof e.code === "string" ? e.code : "error") : String(status);
  return new StoreError("unavailable", `${what} failed (${label}): ${detail}`, options);
}
