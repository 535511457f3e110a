import { z } from "zod";
import { CredentialId, Id, OperatorRole, ProductScope, RateLimit, RateLimitDefaults, ReviewerRoles, Sha256Hex } from "../../contracts/index.js";

/** A factory credential names exactly one product: a pool shared by products runs one token per product. */
const FactoryProduct = z
  .string()
  .refine((value) => value !== "*", "pool tokens never span products: give the one product whose jobs this pool's factories run")
  .pipe(Id);

/**
 * CREDENTIALS_FILE: the bootstrap credentials (the first operator key at least), hashed. Re-read on
 * SIGHUP; run-time credentials (enrolled factories, operator keys and enrollment tokens issued
 * through the API) live in the store instead.
 */
export const CredentialsFile = z
  .object({
    operators: z
      .array(
        z
          .object({
            id: CredentialId,
            productId: ProductScope,
            role: OperatorRole.default("operator"),
            secretSha256: Sha256Hex,
            revoked: z.boolean().default(false),
            rateLimit: RateLimit.optional(),
            /** The roles this key reviews as (review policies may require one). */
            reviewerRoles: ReviewerRoles.optional(),
          })
          .strict(),
      )
      .default([]),
    factories: z
      .array(
        z
          .object({
            id: CredentialId,
            productId: FactoryProduct,
            pool: Id,
            /** Binds the token to one factory instance; without it the caller names its instance in X-Factory-Id. */
            factoryId: Id.optional(),
            secretSha256: Sha256Hex,
            revoked: z.boolean().default(false),
            /** The whole token's limit (a pool token's spans every instance using it). */
            rateLimit: RateLimit.optional(),
          })
          .strict(),
      )
      .default([]),
    /** Default request limits per role, over the built-in ones (README "Rate limits"). */
    rateLimits: RateLimitDefaults.optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [list, entries] of [
      ["operators", file.operators],
      ["factories", file.factories],
    ] as const) {
      entries.forEach((entry, index) => {
        if (seen.has(entry.id)) ctx.addIssue({ code: "custom", path: [list, index, "id"], message: `credential id '${entry.id}' is used twice` });
        seen.add(entry.id);
      });
    }
  });
export type CredentialsFile = z.infer<typeof CredentialsFile>;
export type CredentialsFileInput = z.input<typeof CredentialsFile>;
