import { ArtifactError } from "../port.js";

/**
 * The one translation of Blob Storage failures (the SDK's RestError, network errors) into the
 * port's codes. Authorization failures are "unavailable" too: the caller cannot fix them by
 * retrying differently, and the message names what to check.
 */
export function translateBlobError(error: unknown, what: string): ArtifactError {
  if (error instanceof ArtifactError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  const code = (error as { code?: string }).code;
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  if (status === 404) return new ArtifactError("not_found", `${what}: not found (${detail})`, error);
  if (status === 409 || status === 412) return new ArtifactError("conflict", `${what}: conflict (${detail})`, error);
  if (status === 413 || code === "BlockCountExceedsLimit" || code === "RequestBodyTooLarge") return new ArtifactError("too_large", `${what}: too large (${detail})`, error);
  if (status === 401 || status === 403) {
    return new ArtifactError("unavailable", `${what}: refused by Blob Storage (${detail}); check the connection string, or that this identity has Storage Blob Data Contributor on the account`, error);
  }
  return new ArtifactError("unavailable", `${what}: Blob Storage did not answer (${status === undefined ? detail : `${status} ${detail}`})`, error);
}
