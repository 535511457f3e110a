import { StoreError } from "../port.js";

interface CosmosLikeError {
  code?: number | string;
  statusCode?: number;
  message?: string;
  retryAfterInMs?: number;
  retryAfterInMilliseconds?: number;
  name?: string;
  headers?: Record<string, unknown>;
}

/** THE translation from @azure/cosmos errors to the store port's codes. 404 on a read is handled
 * by the caller (get returns undefined). */
export function translateCosmosError(error: unknown, what: string): StoreError {
  const e = (error ?? {}) as CosmosLikeError;
  const status = typeof e.code === "number" ? e.code : e.statusCode;
  const message = `${what}: ${e.message ?? String(error)}`;
  switch (status) {
    case 412:
      return new StoreError("conflict", `${what} changed since it was read (412 precondition failed)`, { cause: error });
    case 404:
      return new StoreError("not_found", `${what} does not exist`, { cause: error });
    case 409:
      return new StoreError("already_exists", `${what} already exists`, { cause: error });
    case 429: {
      const retryAfterMs = e.retryAfterInMs ?? e.retryAfterInMilliseconds;
      return new StoreError("throttled", `${what} was throttled (429) past the retry budget`, { cause: error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    case 408:
      return new StoreError("timeout", `${what} timed out; the outcome is unknown`, { cause: error });
  }
  if (e.name === "AbortError" || e.name === "TimeoutError" || /timed? ?out/i.test(e.message ?? "")) {
    return new StoreError("timeout", `${what} timed out; the outcome is unknown`, { cause: error });
  }
  return new StoreError("unavailable", message, { cause: error });
}
