import type { IssuedCredentialDoc, OperatorRole, RateLimit } from "../../contracts/index.js";
import type { CredentialsFile } from "./credentials-file.js";
import type { CredentialSource } from "./principal.js";
import type { AcceptedSecret } from "./tokens.js";

interface EntryBase {
  id: string;
  source: CredentialSource;
  productId: string;
  secrets: AcceptedSecret[];
  revoked: boolean;
  /** No longer valid from this instant. */
  expiresAt?: number;
  rateLimit?: RateLimit;
  /** Order of stored versions: the announcement sequence, then the write time. */
  seq: number;
  updatedAt: number;
}

export type CredentialEntry =
  | (EntryBase & { kind: "operator"; role: OperatorRole; reviewerRoles?: readonly string[] })
  | (EntryBase & { kind: "factory"; pool: string; factoryId?: string })
  | (EntryBase & { kind: "enrollment"; pool: string; usedUp: boolean });

/** Entries for every credential of a credentials file. */
export function entriesOfFile(file: CredentialsFile): CredentialEntry[] {
  const fromFile = { source: "file" as const, seq: 0, updatedAt: 0 };
  return [
    ...file.operators.map(
      (op): CredentialEntry => ({
        ...fromFile,
        kind: "operator",
        id: op.id,
        productId: op.productId,
        role: op.role,
        secrets: [{ hash: Buffer.from(op.secretSha256, "hex") }],
        revoked: op.revoked,
        ...(op.rateLimit === undefined ? {} : { rateLimit: op.rateLimit }),
        ...(op.reviewerRoles === undefined ? {} : { reviewerRoles: op.reviewerRoles }),
      }),
    ),
    ...file.factories.map(
      (f): CredentialEntry => ({
        ...fromFile,
        kind: "factory",
        id: f.id,
        productId: f.productId,
        pool: f.pool,
        ...(f.factoryId === undefined ? {} : { factoryId: f.factoryId }),
        secrets: [{ hash: Buffer.from(f.secretSha256, "hex") }],
        revoked: f.revoked,
        ...(f.rateLimit === undefined ? {} : { rateLimit: f.rateLimit }),
      }),
    ),
  ];
}

/** The entry for one stored credential. */
export function entryOfDoc(doc: IssuedCredentialDoc): CredentialEntry {
  const base = {
    id: doc.id,
    source: "store" as const,
    productId: doc.productId,
    secrets: doc.secrets.map((slot) => ({ hash: Buffer.from(slot.sha256, "hex"), ...(slot.notAfter === undefined ? {} : { notAfter: slot.notAfter }) })),
    revoked: doc.revokedAt !== undefined,
    seq: doc.seq,
    updatedAt: doc.updatedAt,
  };
  switch (doc.kind) {
    case "operator":
      return {
        ...base,
        kind: "operator",
        role: doc.role,
        ...(doc.rateLimit === undefined ? {} : { rateLimit: doc.rateLimit }),
        ...(doc.reviewerRoles === undefined ? {} : { reviewerRoles: doc.reviewerRoles }),
      };
    case "factory":
      return { ...base, kind: "factory", pool: doc.pool, factoryId: doc.factoryId, expiresAt: doc.expiresAt, ...(doc.rateLimit === undefined ? {} : { rateLimit: doc.rateLimit }) };
    case "enrollment":
      return { ...base, kind: "enrollment", pool: doc.pool, expiresAt: doc.expiresAt, usedUp: doc.maxUses !== undefined && doc.uses >= doc.maxUses };
  }
}

/** Whether `next` is a later version of the same stored credential than `current`. */
export function isNewer(next: CredentialEntry, current: CredentialEntry | undefined): boolean {
  return current === undefined || next.seq > current.seq || (next.seq === current.seq && next.updatedAt >= current.updatedAt);
}
