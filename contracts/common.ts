import { z } from "zod";
import { LIMITS } from "./limits.js";

/** Identifiers are short, printable and safe in URLs, message ids and Cosmos ids. */
export const Id = z
  .string()
  .min(1)
  .max(LIMITS.idChars)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "must start with a letter or digit and contain only letters, digits, '.', '_', ':' or '-'");

export const ShortText = z.string().min(1).max(LIMITS.shortTextChars);

export const Capability = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9:._/-]*$/, "capabilities are lower-case tokens such as 'lang:ts' or 'os:linux'");

/** Milliseconds since the Unix epoch. All stored times use this. */
export const EpochMs = z.number().int().nonnegative();

export const Budget = z
  .object({
    usd: z.number().nonnegative().max(1_000_000).optional(),
    tokens: z.number().int().nonnegative().optional(),
    wallSeconds: z.number().int().positive().max(7 * 24 * 3600).optional(),
  })
  .strict();
export type Budget = z.infer<typeof Budget>;

export const RetryPolicy = z
  .object({
    /** Attempts allowed after the first one. */
    max: z.number().int().min(0).max(50).default(3),
    backoffSeconds: z.number().int().min(0).max(24 * 3600).default(30),
    backoffMaxSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(3600),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const Checkpoint = z
  .object({
    ref: z.string().max(256).optional(),
    commit: z.string().max(128).optional(),
    base: z.string().max(256).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();
export type Checkpoint = z.infer<typeof Checkpoint>;

export const Insights = z
  .object({
    model: z.string().max(128).optional(),
    tokensIn: z.number().int().nonnegative().optional(),
    tokensOut: z.number().int().nonnegative().optional(),
    costUsd: z.number().nonnegative().optional(),
    filesChanged: z.number().int().nonnegative().optional(),
    linesAdded: z.number().int().nonnegative().optional(),
    linesDeleted: z.number().int().nonnegative().optional(),
    durationMs: z.number().int().nonnegative().optional(),
  })
  .strict();
export type Insights = z.infer<typeof Insights>;

/**
 * A pointer to output stored elsewhere; logs and files are never inlined in a job document. An
 * artifact the agent uploaded to the artifact store has `id` and `key` (its name in the store, see
 * contracts/artifact.ts); a pointer without `key` names something the coordinator cannot serve
 * (a path inside a container, an external URL).
 */
export const ArtifactPointer = z
  .object({
    name: z.string().min(1).max(200),
    uri: z.string().min(1).max(2048),
    bytes: z.number().int().nonnegative().optional(),
    id: z.string().min(1).max(200).optional(),
    kind: z.enum(["log", "file"]).optional(),
    key: z.string().min(1).max(1024).optional(),
    contentType: z.string().min(1).max(200).optional(),
    uploadedAt: EpochMs.optional(),
    /** Set when the bytes were deleted (by an operator or the retention sweep); the pointer stays. */
    deletedAt: EpochMs.optional(),
    deletedBy: z.string().min(1).max(200).optional(),
  })
  .strict();
export type ArtifactPointer = z.infer<typeof ArtifactPointer>;

/** What a factory reports when it releases: a pointer, never a deletion. */
export const ReportedArtifact = ArtifactPointer.omit({ deletedAt: true, deletedBy: true }).strict();
export type ReportedArtifact = z.infer<typeof ReportedArtifact>;

/** A deliverable of a run, as the engine reported it: the branch it pushed, its head commit, the pull request. */
export const GitBranchName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\.lock$)[A-Za-z0-9._/-]+$/, "must be a git branch name such as fleet/build-api/3");
export const CommitId = z.string().regex(/^[0-9a-f]{7,64}$/, "must be a commit id (hex)");
export const PullRequestUrl = z.string().max(2048).regex(/^https?:\/\/\S+$/, "must be the pull request's http(s) URL");
