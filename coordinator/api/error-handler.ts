import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, FleetError } from "../../contracts/index.js";
import { isStoreError } from "../../store/port.js";

/** THE mapping from errors to HTTP responses. Every error body is `{ error: { code, message, details? } }`
 * where the message names the problem and ends with what to do next. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { code, message, details, retryAfterSeconds } = classify(error);
  const entry = ERROR_CATALOGUE[code];
  if (entry.status >= 500) request.log.error({ err: error }, "request failed");
  else request.log.info({ code, message }, "request rejected");
  if (retryAfterSeconds !== undefined) void reply.header("retry-after", String(retryAfterSeconds));
  const body: ErrorBody = { error: { code, message: `${message} (${entry.hint})`, ...(details === undefined ? {} : { details }) } };
  return reply.status(entry.status).send(body);
}

function classify(error: FastifyError | Error): { code: ErrorCode; message: string; details?: unknown; retryAfterSeconds?: number } {
  if (error instanceof FleetError) {
    const retryAfterMs = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    return {
      code: error.code,
      message: error.message,
      details: error.details,
      ...(error.code === "RATE_LIMITED" ? { retryAfterSeconds: Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000)) } : {}),
      // Raised before any route runs when run-time credentials cannot be confirmed: worth a retry.
      ...(error.code === "STORE_UNAVAILABLE" ? { retryAfterSeconds: 1 } : {}),
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? "body";
    const fields = error.validation.map((issue) => {
      const path = issue.instancePath.split("/").filter((part) => part !== "").join(".");
      const keys = (issue.params as { keys?: string[] } | undefined)?.keys;
      const unknown = issue.keyword === "unrecognized_keys" && keys !== undefined ? ` ${keys.map((k) => `'${k}'`).join(", ")}` : "";
      return { field: path === "" ? where : `${where}.${path}`, message: `${issue.message}${unknown}` };
    });
    return {
      code: "VALIDATION",
      message: `invalid ${where}: ${fields.map((f) => `${f.field}: ${f.message}`).join("; ")}`,
      details: { fields },
    };
  }
  if (isStoreError(error)) {
    const seconds = error.retryAfterMs === undefined ? 1 : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return { code: "STORE_UNAVAILABLE", message: `the store is ${error.code === "throttled" ? "throttling" : "unavailable"}`, retryAfterSeconds: seconds };
  }
  const fastifyCode = (error as FastifyError).code;
  switch (fastifyCode) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { code: "PAYLOAD_TOO_LARGE", message: "request body is larger than the limit" };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { code: "VALIDATION", message: `body is not valid JSON: ${error.message}`, details: { fields: [{ field: "body", message: "malformed JSON" }] } };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { code: "VALIDATION", message: "send the body as application/json", details: { fields: [{ field: "content-type", message: error.message }] } };
    case "FST_ERR_VALIDATION":
      return { code: "VALIDATION", message: error.message };
  }
  const status = (error as FastifyError).statusCode;
  if (status === 429) return { code: "RATE_LIMITED", message: "too many requests", retryAfterSeconds: 1 };
  if (status !== undefined && status >= 400 && status < 500) {
    if (error instanceof SyntaxError) return { code: "VALIDATION", message: `body is not valid JSON: ${error.message}` };
    return { code: "VALIDATION", message: error.message };
  }
  return { code: "INTERNAL", message: "internal error" };
}
