import type { EnrollmentCredentialDoc, EnrollmentTokenView, OperatorCredentialDoc, OperatorKeyView, RateLimit } from "../../contracts/index.js";
import type { CredentialEntry } from "../auth/credential-entry.js";

/** API times are ISO 8601; documents keep epoch milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What an operator key looks like in a listing: never its hash. */
export function operatorKeyView(doc: OperatorCredentialDoc, defaultLimit: (role: OperatorCredentialDoc["role"]) => RateLimit): OperatorKeyView {
  return {
    id: doc.id,
    productId: doc.productId,
    role: doc.role,
    source: "store",
    state: doc.revokedAt === undefined ? "active" : "revoked",
    ...(doc.label === undefined ? {} : { label: doc.label }),
    ...(doc.createdBy === undefined ? {} : { createdBy: doc.createdBy }),
    createdAt: iso(doc.createdAt),
    ...(doc.revokedAt === undefined ? {} : { revokedAt: iso(doc.revokedAt) }),
    rateLimit: doc.rateLimit ?? defaultLimit(doc.role),
    ...(doc.reviewerRoles === undefined ? {} : { reviewerRoles: doc.reviewerRoles }),
  };
}

export function fileOperatorKeyView(entry: Extract<CredentialEntry, { kind: "operator" }>, defaultLimit: (role: OperatorCredentialDoc["role"]) => RateLimit): OperatorKeyView {
  return {
    id: entry.id,
    productId: entry.productId,
    role: entry.role,
    source: "file",
    state: entry.revoked ? "revoked" : "active",
    rateLimit: entry.rateLimit ?? defaultLimit(entry.role),
    ...(entry.reviewerRoles === undefined ? {} : { reviewerRoles: [...entry.reviewerRoles] }),
  };
}

export function enrollmentTokenView(doc: EnrollmentCredentialDoc, now: number): EnrollmentTokenView {
  const state =
    doc.revokedAt !== undefined ? "revoked" : now >= doc.expiresAt ? "expired" : doc.maxUses !== undefined && doc.uses >= doc.maxUses ? "used_up" : "active";
  return {
    id: doc.id,
    pool: doc.pool,
    productId: doc.productId,
    state,
    maxUses: doc.maxUses ?? null,
    uses: doc.uses,
    expiresAt: iso(doc.expiresAt),
    tokenTtlSeconds: doc.tokenTtlSeconds,
    ...(doc.label === undefined ? {} : { label: doc.label }),
    ...(doc.createdBy === undefined ? {} : { createdBy: doc.createdBy }),
    createdAt: iso(doc.createdAt),
    ...(doc.revokedAt === undefined ? {} : { revokedAt: iso(doc.revokedAt) }),
  };
}
