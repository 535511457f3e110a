import { z } from "zod";
import { Id, ShortText } from "./common.js";
import { CredentialId, OperatorRole, ProductScope } from "./credential.js";
import { RateLimit } from "./rate-limit.js";
import { ReviewerRoles } from "./reviewer-role.js";

/** Times in these bodies are ISO 8601 strings. */
const IsoTime = z.string().datetime();

export const CredentialIdParams = z.object({ id: CredentialId }).strict();
export const FactoryIdParams = z.object({ id: Id }).strict();

/** POST /fleet/factories/enroll, with the enrollment token as the bearer token. */
export const EnrollBody = z
  .object({
    /** A stable name for this factory (e.g. the pod name); unique among enrolled factories. Omit it and the coordinator picks one. */
    factoryId: Id.optional(),
  })
  .strict();
export type EnrollBody = z.infer<typeof EnrollBody>;

export const EnrolledFactory = z
  .object({
    factoryId: Id,
    pool: Id,
    productId: Id,
    /** `<credential id>.<secret>`: shown once, never stored. */
    token: z.string(),
    expiresAt: IsoTime,
  })
  .strict();
export type EnrolledFactory = z.infer<typeof EnrolledFactory>;

export const RotateTokenBody = z
  .object({
    /** How long the previous token keeps working, so callers holding it can switch. */
    graceSeconds: z.number().int().min(0).max(86_400).default(300),
  })
  .strict();
export type RotateTokenBody = z.infer<typeof RotateTokenBody>;

export const RotatedToken = z
  .object({
    id: CredentialId,
    token: z.string(),
    previousTokenValidUntil: IsoTime,
    expiresAt: IsoTime.optional(),
  })
  .strict();
export type RotatedToken = z.infer<typeof RotatedToken>;

export const RevokedCredential = z.object({ id: CredentialId, revokedAt: IsoTime }).strict();
export type RevokedCredential = z.infer<typeof RevokedCredential>;

export const CreateOperatorKeyBody = z
  .object({
    /** Defaults to `op-<random>`. */
    id: Id.optional(),
    /** Defaults to the caller's product; only a fleet-wide key may name another product or "*". */
    productId: ProductScope.optional(),
    role: OperatorRole.default("operator"),
    label: ShortText.optional(),
    /** Overrides the role's default request limit for this key. */
    rateLimit: RateLimit.optional(),
    /** The roles the key reviews as, for review policies that name roles (e.g. ["maintainer"]). */
    reviewerRoles: ReviewerRoles.optional(),
  })
  .strict();
export type CreateOperatorKeyBody = z.infer<typeof CreateOperatorKeyBody>;

export const OperatorKeyView = z
  .object({
    id: CredentialId,
    productId: ProductScope,
    role: OperatorRole,
    /** `file`: CREDENTIALS_FILE (change it there and send SIGHUP); `store`: issued through this API. */
    source: z.enum(["file", "store"]),
    state: z.enum(["active", "revoked"]),
    label: z.string().optional(),
    createdBy: z.string().optional(),
    createdAt: IsoTime.optional(),
    revokedAt: IsoTime.optional(),
    rateLimit: RateLimit,
    reviewerRoles: ReviewerRoles.optional(),
  })
  .strict();
export type OperatorKeyView = z.infer<typeof OperatorKeyView>;

export const CreatedOperatorKey = OperatorKeyView.extend({ token: z.string() }).strict();
export type CreatedOperatorKey = z.infer<typeof CreatedOperatorKey>;

export const CreateEnrollmentTokenBody = z
  .object({
    pool: Id,
    /** Defaults to the caller's product; a fleet-wide key must name one (factory tokens never span products). */
    productId: Id.optional(),
    /** Omit for a platform secret shared by every container of the pool until it expires. */
    maxUses: z.number().int().min(1).max(1_000_000).optional(),
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(366 * 86_400)
      .default(3600),
    /** Lifetime of each factory token it mints; a factory that runs longer rotates its token. */
    tokenTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    label: ShortText.optional(),
    /** Request limit of each factory token it mints (default: the factory role's). */
    factoryRateLimit: RateLimit.optional(),
  })
  .strict();
export type CreateEnrollmentTokenBody = z.infer<typeof CreateEnrollmentTokenBody>;

export const EnrollmentTokenView = z
  .object({
    id: CredentialId,
    pool: Id,
    productId: Id,
    state: z.enum(["active", "expired", "used_up", "revoked"]),
    maxUses: z.number().int().nullable(),
    uses: z.number().int(),
    expiresAt: IsoTime,
    tokenTtlSeconds: z.number().int(),
    label: z.string().optional(),
    createdBy: z.string().optional(),
    createdAt: IsoTime,
    revokedAt: IsoTime.optional(),
  })
  .strict();
export type EnrollmentTokenView = z.infer<typeof EnrollmentTokenView>;

export const CreatedEnrollmentToken = EnrollmentTokenView.extend({ token: z.string() }).strict();
export type CreatedEnrollmentToken = z.infer<typeof CreatedEnrollmentToken>;

export const DeregisterFactoryQuery = z
  .object({
    /** Only for a fleet-wide operator key: the product the factory runs for. */
    productId: Id.optional(),
  })
  .strict();
export type DeregisterFactoryQuery = z.infer<typeof DeregisterFactoryQuery>;

export const DeregisteredFactory = z
  .object({
    factoryId: Id,
    /** false when the coordinator had no record of it (a repeated call). */
    removed: z.boolean(),
    /** true when the caller's own enrolled token was revoked with it. */
    tokenRevoked: z.boolean(),
  })
  .strict();
export type DeregisteredFactory = z.infer<typeof DeregisteredFactory>;
