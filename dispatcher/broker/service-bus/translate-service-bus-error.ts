import { BrokerError, type BrokerErrorCode } from "../port.js";

/** THE translation from @azure/service-bus (and its administration client's RestError) to the
 * broker port's codes. */
export function translateServiceBusError(error: unknown, what: string): BrokerError {
  if (error instanceof BrokerError) return error;
  const e = (error ?? {}) as { code?: string; statusCode?: number; name?: string; message?: string };
  const message = `${what}: ${e.message ?? String(error)}`;
  return new BrokerError(codeOf(e), message, { cause: error });
}

function codeOf(e: { code?: string; statusCode?: number; name?: string; message?: string }): BrokerErrorCode {
  switch (e.code) {
    case "MessageLockLost":
    case "SessionLockLost":
      return "lock_lost";
    case "MessagingEntityNotFound":
    case "MessageEntityNotFoundError":
      return "not_found";
    case "UnauthorizedAccess":
      return "unauthorized";
    case "ServiceTimeout":
      return "timeout";
    case "ServiceCommunicationProblem":
    case "ServiceBusy":
    case "GeneralError":
    case "MessagingEntityDisabled":
    case "QuotaExceeded":
      return "unavailable";
  }
  if (e.statusCode === 404) return "not_found";
  if (e.statusCode === 401 || e.statusCode === 403) return "unauthorized";
  if (e.statusCode === 400) return "invalid";
  if (e.name === "AbortError" || /timed? ?out/i.test(e.message ?? "")) return "timeout";
  return "unavailable";
}
