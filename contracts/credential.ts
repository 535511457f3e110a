import { z } from "zod";
import { EpochMs, Id, ShortText } from "./common.js";
import { RateLimit } from "./rate-limit.js";
import { ReviewerRoles } from "./reviewer-role.js";

/**
 * Credentials kept in the store (container `credentials`, partition key `/partition`): operator
 * keys, factory tokens and enrollment tokens issued at run time, beside the bootstrap ones of
 * CREDENTIALS_FILE. Only the sha256 of a secret is stored.
 *
 * Every credential shares ONE logical partition on purpose: the set is small and written rarely
 * (Cosmos DB allows 20 GB per logical partition), and one partition gives the version document
 * and the credentials a single order, so a replica that sees the version move also sees the
 * change it announces (see coordinator/service/credential-sync.ts).
 */
export const CREDENTIALS_PARTITION = "credentials";
/** The version document: its `seq` moves on every change that takes access away. */
export const CREDENTIALS_VERSION_ID = "credentials.version";

/** Credential ids are the part of a bearer token before the last '.'. */
export const CredentialId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "must start with a letter or digit and contain only letters, digits, '.', '_', ':' or '-'");

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be the lower-case hex sha256 of the secret");

/** "*" for a fleet-wide operator key; factories and enrollment tokens always name one product. */
export const ProductScope = z.union([Id, z.literal("*")]);

export const OperatorRole = z.enum(["operator", "load-tester"]);
export type OperatorRole = z.infer<typeof OperatorRole>;

/** One accepted secret. The current one has no `notAfter`; after a rotation the previous one keeps
 * working until its `notAfter` (the grace period). */
export const SecretSlot = z.object({ sha256: Sha256Hex, notAfter: EpochMs.optional() }).strict();
export type SecretSlot = z.infer<typeof SecretSlot>;

const common = {
  id: CredentialId,
  partition: z.literal(CREDENTIALS_PARTITION),
  /** The version this document was announced under (see CREDENTIALS_VERSION_ID). */
  seq: z.number().int().nonnegative(),
  label: ShortText.optional(),
  /** The operator key that created it (enrolled factories: the enrollment token). */
  createdBy: CredentialId.optional(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  revokedAt: EpochMs.optional(),
  /** Cosmos DB time to live in seconds since the last write; revoked and expired credentials go away by themselves. */
  ttl: z.number().int().min(-1).optional(),
};

export const OperatorCredentialDoc = z
  .object({
    ...common,
    kind: z.literal("operator"),
    productId: ProductScope,
    role: OperatorRole,
    secrets: z.array(SecretSlot).min(1).max(2),
    rateLimit: RateLimit.optional(),
    /** The roles this key reviews as (see contracts/review.ts); absent: none. */
    reviewerRoles: ReviewerRoles.optional(),
  })
  .strict();
export type OperatorCredentialDoc = z.infer<typeof OperatorCredentialDoc>;

export const FactoryCredentialDoc = z
  .object({
    ...common,
    kind: z.literal("factory"),
    productId: Id,
    pool: Id,
    /** The one factory this token acts as; requests never choose it. */
    factoryId: Id,
    secrets: z.array(SecretSlot).min(1).max(2),
    expiresAt: EpochMs,
    /** Each rotation moves expiresAt this far ahead. */
    tokenTtlSeconds: z.number().int().min(60),
    rateLimit: RateLimit.optional(),
  })
  .strict();
export type FactoryCredentialDoc = z.infer<typeof FactoryCredentialDoc>;

export const EnrollmentCredentialDoc = z
  .object({
    ...common,
    kind: z.literal("enrollment"),
    productId: Id,
    pool: Id,
    secrets: z.array(SecretSlot).length(1),
    expiresAt: EpochMs,
    /** Absent: any number of enrollments until expiry (a platform secret shared by a pool's containers). */
    maxUses: z.number().int().min(1).optional(),
    uses: z.number().int().nonnegative(),
    /** Lifetime of each factory token it mints. */
    tokenTtlSeconds: z.number().int().min(60),
    factoryRateLimit: RateLimit.optional(),
  })
  .strict();
export type EnrollmentCredentialDoc = z.infer<typeof EnrollmentCredentialDoc>;

export const CredentialVersionDoc = z
  .object({
    id: z.literal(CREDENTIALS_VERSION_ID),
    partition: z.literal(CREDENTIALS_PARTITION),
    kind: z.literal("version"),
    seq: z.number().int().nonnegative(),
    updatedAt: EpochMs,
  })
  .strict();
export type CredentialVersionDoc = z.infer<typeof CredentialVersionDoc>;

export const CredentialDoc = z.discriminatedUnion("kind", [OperatorCredentialDoc, FactoryCredentialDoc, EnrollmentCredentialDoc, CredentialVersionDoc]);
export type CredentialDoc = z.infer<typeof CredentialDoc>;
/** A credential proper (everything but the version document). */
export type IssuedCredentialDoc = OperatorCredentialDoc | FactoryCredentialDoc | EnrollmentCredentialDoc;
