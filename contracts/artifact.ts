import { z } from "zod";
import { Id } from "./common.js";
import { IsoTime } from "./iso-time.js";

/**
 * Where an attempt's log and files live in the artifact store, shared by the agent (which writes
 * them) and the coordinator (which serves them). One container holds every product; each blob's
 * name starts with its product, then the job and the attempt's epoch:
 *
 *   <productId>/<jobId>/<epoch>/attempt.log        the attempt's log (an append blob, written while it runs)
 *   <productId>/<jobId>/<epoch>/files/<n>-<name>   the files the engine reported, uploaded at release
 *
 * One container rather than one per product: product ids allow characters and lengths container
 * names do not (upper case, '.', '_', ':', more than 63 characters), a single container needs one
 * role assignment and one lifecycle rule for retention, and the coordinator scopes every read by
 * the product of the caller's token and by this prefix, so one product never reaches another's.
 */
export const DEFAULT_ARTIFACT_CONTAINER = "fleet-artifacts";

/** The prefix every blob of one attempt starts with. */
export function attemptPrefix(productId: string, jobId: string, epoch: number): string {
  return `${productId}/${jobId}/${epoch}/`;
}

export function attemptLogKey(productId: string, jobId: string, epoch: number): string {
  return `${attemptPrefix(productId, jobId, epoch)}attempt.log`;
}

/** The n-th file of an attempt (n from 1), its name kept readable and safe in a URL path. */
export function artifactFileKey(productId: string, jobId: string, epoch: number, n: number, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_").slice(0, 100) || "file";
  return `${attemptPrefix(productId, jobId, epoch)}files/${n}-${safe}`;
}

/** Artifact ids name the job, the attempt and the item: `<jobId>:<epoch>:log` or `<jobId>:<epoch>:<n>`. */
export function artifactIdOf(jobId: string, epoch: number, item: "log" | number): string {
  return `${jobId}:${epoch}:${item}`;
}

export const ArtifactId = z
  .string()
  .min(5)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*:\d+:(log|[1-9]\d*)$/, "artifact ids look like <jobId>:<epoch>:log or <jobId>:<epoch>:<n>, as GET /fleet/jobs/:id/artifacts lists them")
  .meta({ example: "j-4b1c0a9e1f2d3c4b5a69788776655443:2:log" });

export function parseArtifactId(id: string): { jobId: string; epoch: number; item: "log" | number } | undefined {
  if (!ArtifactId.safeParse(id).success) return undefined;
  const last = id.lastIndexOf(":");
  const middle = id.lastIndexOf(":", last - 1);
  const item = id.slice(last + 1);
  return { jobId: id.slice(0, middle), epoch: Number(id.slice(middle + 1, last)), item: item === "log" ? "log" : Number(item) };
}

/** Whether a reported blob key belongs to this attempt of this job of this product. */
export function keyBelongsTo(key: string, productId: string, jobId: string, epoch: number): boolean {
  const prefix = attemptPrefix(productId, jobId, epoch);
  return key.startsWith(prefix) && !key.slice(prefix.length).split("/").some((part) => part === "" || part === "." || part === "..");
}

export const ArtifactIdParams = z.object({ id: ArtifactId }).strict();

/**
 * available: the bytes are in the store; live: the attempt still runs and its log grows;
 * deleted: an operator or the retention sweep removed the bytes; expired: older than the
 * retention (the store's lifecycle rule removes such blobs even before the sweep marks them);
 * external: a pointer the coordinator cannot serve (a path inside a container, another URL).
 */
export const ArtifactState = z.enum(["available", "live", "deleted", "expired", "external"]);
export type ArtifactState = z.infer<typeof ArtifactState>;

export const ArtifactView = z
  .object({
    id: z.string(),
    jobId: Id,
    epoch: z.number().int().nonnegative(),
    attempt: z.number().int().positive(),
    name: z.string(),
    kind: z.enum(["log", "file"]),
    state: ArtifactState,
    bytes: z.number().int().nonnegative().nullable(),
    contentType: z.string().nullable(),
    uploadedAt: IsoTime.nullable(),
    /** When the retention removes it (null: kept until deleted). */
    expiresAt: IsoTime.nullable(),
    deletedAt: IsoTime.optional(),
    deletedBy: z.string().optional(),
    /** The path of the streamed download (null when there is nothing to download). */
    download: z.string().nullable(),
    uri: z.string().optional().meta({ description: "where the pointer says the bytes are (the blob's URL without any signature, or the engine's own)" }),
  })
  .meta({ id: "ArtifactView" });
export type ArtifactView = z.infer<typeof ArtifactView>;

const EXAMPLE_JOB = "j-4b1c0a9e1f2d3c4b5a69788776655443";
const EXAMPLE_LOG: ArtifactView = {
  id: `${EXAMPLE_JOB}:2:log`,
  jobId: EXAMPLE_JOB,
  epoch: 2,
  attempt: 1,
  name: "attempt.log",
  kind: "log",
  state: "available",
  bytes: 18234,
  contentType: "text/plain; charset=utf-8",
  uploadedAt: "2026-01-31T09:31:12.000Z",
  expiresAt: "2026-03-02T09:31:12.000Z",
  download: `/fleet/artifacts/${EXAMPLE_JOB}:2:log`,
  uri: `https://fleetartifacts.blob.core.windows.net/fleet-artifacts/acme/${EXAMPLE_JOB}/2/attempt.log`,
};

export const ArtifactListResponse = z
  .object({
    items: z.array(ArtifactView),
    retentionDays: z.number().int().positive().nullable().meta({ description: "artifacts older than this are deleted (null: kept until an operator deletes them)" }),
  })
  .meta({
    id: "ArtifactListResponse",
    example: {
      items: [EXAMPLE_LOG, { ...EXAMPLE_LOG, id: `${EXAMPLE_JOB}:2:1`, name: "stdout", kind: "file", bytes: 912, contentType: "text/plain; charset=utf-8", download: `/fleet/artifacts/${EXAMPLE_JOB}:2:1` }],
      retentionDays: 30,
    },
  });

export type ArtifactListResponse = z.infer<typeof ArtifactListResponse>;

export const ArtifactDeleteResponse = ArtifactView.meta({ id: "ArtifactDeleted", example: { ...EXAMPLE_LOG, state: "deleted", deletedAt: "2026-02-01T10:00:00.000Z", deletedBy: "op-acme", download: null } });

export const ArtifactLinkResponse = z
  .object({
    url: z.string().meta({ description: "a read-only, short-lived shared access signature URL for this one blob" }),
    expiresAt: IsoTime,
    kind: z.enum(["user-delegation", "service"]).meta({ description: "user-delegation: signed with a key the coordinator's managed identity obtained (production); service: signed with the account key of a connection string (local)" }),
  })
  .meta({
    id: "ArtifactLink",
    example: {
      url: `https://fleetartifacts.blob.core.windows.net/fleet-artifacts/acme/${EXAMPLE_JOB}/2/attempt.log?sv=2025-01-05&se=2026-01-31T09%3A40%3A00Z&sr=b&sp=r&sig=...`,
      expiresAt: "2026-01-31T09:40:00.000Z",
      kind: "user-delegation",
    },
  });

export const LogQuery = z
  .object({
    offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).meta({ description: "the byte to read from (the nextOffset of the previous call)" }),
    // At least 4: a UTF-8 character is at most 4 bytes, so every call makes progress.
    limit: z.coerce.number().int().min(4).max(262_144).default(65_536).meta({ description: "at most this many bytes (at least 4)" }),
  })
  .strict();

export const RunLogParams = z.object({ id: Id, epoch: z.coerce.number().int().positive() }).strict();

export const LogChunkResponse = z
  .object({
    artifactId: z.string(),
    jobId: Id,
    epoch: z.number().int().positive(),
    offset: z.number().int().nonnegative(),
    nextOffset: z.number().int().nonnegative().meta({ description: "pass it back as offset for what follows" }),
    size: z.number().int().nonnegative().meta({ description: "the log's size now, in bytes" }),
    text: z.string().meta({ description: "UTF-8 text from offset to nextOffset (never a split character)" }),
    live: z.boolean().meta({ description: "the attempt still runs: poll again for more" }),
  })
  .meta({
    id: "LogChunk",
    example: { artifactId: `${EXAMPLE_JOB}:2:log`, jobId: EXAMPLE_JOB, epoch: 2, offset: 0, nextOffset: 61, size: 61, text: "[fleet] attempt 1 of build-api (epoch 2) on general-7f3a\nok\n", live: true },
  });

export type LogChunkResponse = z.infer<typeof LogChunkResponse>;

/** A streamed download's body, for the OpenAPI document. */
export const ArtifactBytes = z.string().meta({
  id: "ArtifactBytes",
  description: "The artifact's bytes as stored, with its content type and Content-Disposition: attachment; filename=<name>",
  example: "[fleet] attempt 1 of build-api (epoch 2) on general-7f3a\n",
});
