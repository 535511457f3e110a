import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, FleetError, hintFor, LIMITS } from "../../contracts/index.js";
import { isStoreError } from "../../store/port.js";

/** THE mapping from errors to HTTP responses. Every error body is `{ error: { code, message, hint?, details? } }`
 * where the message names the problem and, when a hint applies, ends with what to do next (also
 * given alone as `hint`, for clients that print it on its own line). */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const answer = errorAnswerOf(error, request.routeOptions.bodyLimit);
  // With quiet request logs the request's logger is shared (build-server.ts): name the request here.
  if (answer.status >= 500) request.log.error({ err: error, ...((request.log as { bindings?: () => Record<string, unknown> }).bindings?.().reqId === undefined ? { reqId: request.id } : {}) }, "request failed");
  else request.log.info({ code: answer.body.error.code, message: answer.body.error.message }, "request rejected");
  if (answer.retryAfterSeconds !== undefined) void reply.header("retry-after", String(answer.retryAfterSeconds));
  return reply.status(answer.status).send(answer.body);
}

export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  retryAfterSeconds?: number;
}

/** The status and body an error is answered with; also what one item of a batch reports. `bodyLimit`
 * is the limit of the route that refused a body as too large. */
export function errorAnswerOf(error: FastifyError | Error, bodyLimit: number = LIMITS.requestBodyBytes): ErrorAnswer {
  const { code, message, details, retryAfterSeconds, hint: own } = classify(error, bodyLimit);
  const hint = hintFor(code, details, own);
  const body: ErrorBody = {
    error: {
      code,
      message: hint === undefined ? message : `${message} (${hint})`,
      ...(hint === undefined ? {} : { hint }),
      ...(details === undefined ? {} : { details }),
    },
  };
  return { status: ERROR_CATALOGUE[code].status, body, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

interface Classified {
  code: ErrorCode;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number;
  hint?: string | false;
}

function classify(error: FastifyError | Error, bodyLimit: number): Classified {
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
      return { code: "PAYLOAD_TOO_LARGE", message: `the request body is larger than the ${Math.round(bodyLimit / 1024)} KB limit of this route` };
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
