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

/** A pointer to output stored elsewhere (blob, file); logs are never inlined. */
export const ArtifactPointer = z
  .object({ name: z.string().min(1).max(200), uri: z.string().min(1).max(2048), bytes: z.number().int().nonnegative().optional() })
  .strict();
export type ArtifactPointer = z.infer<typeof ArtifactPointer>;
