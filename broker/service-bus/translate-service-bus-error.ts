import { isServiceBusError } from "@azure/service-bus";
import { BrokerError, type BrokerErrorCode } from "../port.js";

/**
 * THE one translation from what @azure/service-bus throws into the broker port's BrokerError.
 *
 * Sources, in order (an AggregateError of the SDK's retries is judged by its last attempt):
 * - ServiceBusError (AMQP side: sender, receiver, settlement, lock renewal) by its `code`;
 * - the SDK's plain "already settled" Error: the lock is gone as far as the caller is concerned;
 * - RestError from the administration client (ATOM over HTTP) by its `code`, then its `statusCode`,
 *   or REQUEST_SEND_ERROR when no response came back (the connection failed);
 * - Node system errors (ECONNREFUSED, ECONNRESET, ...) that surface bare or as a GeneralError;
 * - AbortError / timeouts: the outcome is unknown, which is what "timeout" means on the port.
 * Anything unrecognised counts as "unavailable": callers retry it with backoff, the safe default
 * for an at-least-once path (duplicate detection absorbs a publish that did go through).
 */
export function translateServiceBusError(error: unknown, what: string): BrokerError {
  if (error instanceof BrokerError) return error;
  const { last, attempts } = lastAttemptOf(error);
  const detail = isServiceBusError(last) && last.code === "ServiceBusy" ? `the namespace is throttling requests (ServerBusy); back off and retry: ${last.message}` : last instanceof Error ? last.message : String(last);
  const message = `${what}: ${detail}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`;
  return new BrokerError(brokerCodeOf(last), message, { cause: error });
}

/**
 * The SDK's retry loop (core-amqp) throws an AggregateError of every attempt's error when more
 * than one attempt failed; what happened is the last attempt's error.
 */
function lastAttemptOf(error: unknown): { last: unknown; attempts: number } {
  if (error instanceof AggregateError && error.errors.length > 0) return { last: error.errors[error.errors.length - 1], attempts: error.errors.length };
  return { last: error, attempts: 1 };
}

/** The SDK's own check (a plain Error) when settling a message it already saw settled. */
const ALREADY_SETTLED = "The message has either been deleted or already settled";

/** The administration client's RestError codes that say more than its HTTP status (a missing
 * entity comes back as 200 with an empty feed, reported as MessageEntityNotFoundError). */
const REST_CODES: Readonly<Record<string, BrokerErrorCode>> = {
  MessageEntityNotFoundError: "not_found",
  MessageEntityAlreadyExistsError: "invalid",
  UnauthorizedRequestError: "unauthorized",
  ServerBusyError: "unavailable",
  QuotaExceededError: "unavailable",
};

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "REQUEST_SEND_ERROR"]);

export function brokerCodeOf(error: unknown): BrokerErrorCode {
  if (error instanceof AggregateError && error.errors.length > 0) return brokerCodeOf(error.errors[error.errors.length - 1]);
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; statusCode?: unknown; name?: unknown; message?: unknown };
  const text = typeof e.message === "string" ? e.message : "";
  if (isServiceBusError(error)) {
    switch (error.code) {
      case "MessageLockLost":
      case "SessionLockLost":
        return "lock_lost";
      case "MessagingEntityNotFound":
      case "MessageNotFound":
        return "not_found";
      case "UnauthorizedAccess":
        return "unauthorized";
      case "ServiceTimeout":
        return "timeout";
      case "MessageSizeExceeded":
      case "MessagingEntityAlreadyExists":
      case "SessionCannotBeLocked":
        return "invalid";
      // Transport trouble, throttling, a disabled entity or a full namespace: retry later.
      case "ServiceCommunicationProblem":
      case "ServiceBusy":
      case "MessagingEntityDisabled":
      case "QuotaExceeded":
      case "GeneralError":
        return "unavailable";
    }
  }
  if (text === ALREADY_SETTLED) return "lock_lost";
  const restCode = e.name === "RestError" && typeof e.code === "string" ? REST_CODES[e.code] : undefined;
  if (restCode !== undefined) return restCode;
  if (typeof e.statusCode === "number") return codeOfStatus(e.statusCode);
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return "unavailable";
  if (e.name === "AbortError" || e.name === "OperationTimeoutError" || /\btimed? ?out\b/i.test(text)) return "timeout";
  return "unavailable";
}

/** The administration client's HTTP status codes. */
function codeOfStatus(status: number): BrokerErrorCode {
  if (status === 404) return "not_found";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 408) return "timeout";
  if (status === 400 || status === 409 || status === 413) return "invalid";
  // 429 throttled, 5xx: transient.
  return "unavailable";
}
