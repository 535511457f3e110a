import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, FleetError, hintFor, LIMITS } from "../../contracts/index.js";
import { isStoreError } from "../../store/port.js";

/** THE mapping from errors to HTTP responses. Every error body is `{ error: { code, message, hint?, details? } }`
 * where the message names the problem and, when a hint applies, ends with what to do next (also
 * given alone as `hint`, for clients that print it on its own line). */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { code, message, details, retryAfterSeconds, hint: own } = classify(error);
  const entry = ERROR_CATALOGUE[code];
  if (entry.status >= 500) request.log.error({ err: error }, "request failed");
  else request.log.info({ code, message }, "request rejected");
  if (retryAfterSeconds !== undefined) void reply.header("retry-after", String(retryAfterSeconds));
  const hint = hintFor(code, details, own);
  const body: ErrorBody = {
    error: {
      code,
      message: hint === undefined ? message : `${message} (${hint})`,
      ...(hint === undefined ? {} : { hint }),
      ...(details === undefined ? {} : { details }),
    },
  };
  return reply.status(entry.status).send(body);
}

interface Classified {
  code: ErrorCode;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number;
  hint?: string | false;
}

function classify(error: FastifyError | Error): Classified {
  if (error instanceof FleetError) {
    const retryAfterMs = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    return {
      code: error.code,
      message: error.message,
      details: error.details,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.code === "RATE_LIMITED" ? { retryAfterSeconds: Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000)) } : {}),
      // Raised before any route runs when run-time credentials cannot be confirmed: worth a retry.
      ...(error.code === "STORE_UNAVAILABLE" ? { retryAfterSeconds: 1 } : {}),
    };
  }
  if (isStoreError(error)) {
    const seconds = error.retryAfterMs === undefined ? 1 : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return { code: "STORE_UNAVAILABLE", message: `the store is ${error.code === "throttled" ? "throttling" : "unavailable"}`, retryAfterSeconds: seconds };
  }
  const fastifyCode = (error as FastifyError).code;
  switch (fastifyCode) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { code: "PAYLOAD_TOO_LARGE", message: `the request body is larger than the ${Math.round(LIMITS.requestBodyBytes / 1024)} KB limit` };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { code: "VALIDATION", message: `the body is not valid JSON (${error.message}): send one JSON object`, hint: false };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { code: "VALIDATION", message: "unsupported content type: send the body as application/json", hint: false };
    case "FST_ERR_VALIDATION":
      return { code: "VALIDATION", message: error.message };
  }
  const status = (error as FastifyError).statusCode;
  if (status === 429) return { code: "RATE_LIMITED", message: "too many requests", retryAfterSeconds: 1 };
  if (status !== undefined && status >= 400 && status < 500) {
    if (error instanceof SyntaxError) return { code: "VALIDATION", message: `the body is not valid JSON (${error.message}): send one JSON object`, hint: false };
    return { code: "VALIDATION", message: error.message };
  }
  return { code: "INTERNAL", message: "internal error" };
}
