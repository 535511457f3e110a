import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { type ArtifactPointer, artifactFileKey, artifactIdOf, type JobDoc } from "../contracts/index.js";
import type { ArtifactStorePort } from "../artifacts/port.js";

/** One file is at most this large in the store; bigger ones stay a pointer to where they were. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".log": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".json": "application/json",
  ".html": "text/html; charset=utf-8",
  ".diff": "text/x-diff; charset=utf-8",
  ".patch": "text/x-diff; charset=utf-8",
  ".xml": "application/xml",
  ".csv": "text/csv; charset=utf-8",
  ".png": "image/png",
  ".zip": "application/zip",
  ".gz": "application/gzip",
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Uploads the files an engine reported (`file://` pointers, which vanish with the container) to
 * the artifact store under the attempt's folder, and returns the pointers the release records. A
 * file that cannot be read or uploaded keeps its original pointer and the reason is logged: an
 * artifact never costs the attempt its release. Pointers that are not files pass unchanged.
 */
export async function uploadArtifacts(options: {
  store: ArtifactStorePort;
  job: JobDoc;
  artifacts: readonly ArtifactPointer[];
  now: () => number;
  logger: Logger;
}): Promise<ArtifactPointer[]> {
  const { store, job } = options;
  const epoch = job.leaseEpoch;
  const uploaded: ArtifactPointer[] = [];
  let n = 0;
  for (const artifact of options.artifacts) {
    if (!artifact.uri.startsWith("file://") || artifact.key !== undefined) {
      uploaded.push(artifact);
      continue;
    }
    n++;
    const path = fileURLToPath(artifact.uri);
    const key = artifactFileKey(job.productId, job.id, epoch, n, artifact.name);
    try {
      const size = (await stat(path)).size;
      if (size > MAX_FILE_BYTES) throw new Error(`${size} bytes is more than the ${MAX_FILE_BYTES} an artifact may have`);
      const contentType = contentTypeOf(path);
      const { bytes } = await store.put(key, createReadStream(path), { contentType, bytes: size });
      uploaded.push({ id: artifactIdOf(job.id, epoch, n), name: artifact.name, kind: "file", key, uri: store.uriOf(key), bytes, contentType, uploadedAt: options.now() });
    } catch (error) {
      options.logger.warn({ artifact: artifact.name, err: error }, "artifact not uploaded; its release keeps the local pointer");
      uploaded.push(artifact);
    }
  }
  return uploaded;
}
