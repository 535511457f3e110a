import {
  type Clock,
  CREDENTIALS_PARTITION,
  type CreateOperatorKeyBody,
  type CreatedOperatorKey,
  FleetError,
  type IssuedCredentialDoc,
  type OperatorCredentialDoc,
  type OperatorKeyView,
  type RevokedCredential,
  type RotatedToken,
} from "../../contracts/index.js";
import type { StoreFilter, StorePort } from "../../store/port.js";
import { assertCredentialManager, managesProduct, mayActOnFactory, mayActOnOperatorKey, productForNewCredential } from "../auth/credential-access.js";
import type { CredentialRegistry } from "../auth/credentials.js";
import { ALL_PRODUCTS, type Principal } from "../auth/principal.js";
import type { RateLimitPolicy } from "../auth/rate-limit-policy.js";
import { mintToken } from "../auth/tokens.js";
import { CREDENTIAL_RETENTION_MS } from "./credential-sync.js";
import { fileOperatorKeyView, iso, operatorKeyView } from "./credential-views.js";
import type { CredentialWriter } from "./credential-writer.js";
import { randomSuffix } from "./random-suffix.js";

export interface CredentialBookOptions {
  store: StorePort;
  clock: Clock;
  registry: CredentialRegistry;
  writer: CredentialWriter;
  limits: RateLimitPolicy;
  /** How long revoked credentials are kept (their documents' time to live). */
  retentionMs?: number;
}

/** The credential id of an enrolled factory's token: one per factory id. */
export function factoryCredentialId(factoryId: string): string {
  return `factory:${factoryId}`;
}

/**
 * Run-time credentials in the store: operator keys (create, list, rotate, revoke) and the
 * rotation and revocation of enrolled factory tokens. Secrets are returned once, at creation or
 * rotation, and stored as sha256 only. Revocation and rotation are announced, so they are in force
 * on every replica within the staleness bound (credential-sync.ts).
 */
export class CredentialBook {
  private readonly retentionMs: number;

  constructor(private readonly options: CredentialBookOptions) {
    this.retentionMs = options.retentionMs ?? CREDENTIAL_RETENTION_MS;
  }

  async createOperatorKey(caller: Principal, body: CreateOperatorKeyBody): Promise<CreatedOperatorKey> {
    const manager = assertCredentialManager(caller);
    const productId = productForNewCredential(manager, body.productId, true);
    const id = body.id ?? `op-${randomSuffix()}`;
    if (this.options.registry.isFileCredential(id)) throw taken(`operator key id '${id}'`);
    const minted = mintToken(id);
    const now = this.options.clock.now();
    const doc: OperatorCredentialDoc = {
      id,
      partition: CREDENTIALS_PARTITION,
      seq: 0,
      kind: "operator",
      productId,
      role: body.role,
      secrets: [{ sha256: minted.secretSha256 }],
      ...(body.rateLimit === undefined ? {} : { rateLimit: body.rateLimit }),
      ...(body.reviewerRoles === undefined ? {} : { reviewerRoles: body.reviewerRoles }),
      ...(body.label === undefined ? {} : { label: body.label }),
      createdBy: manager.credentialId,
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.options.writer.create(doc, () => false);
    if (created?.kind !== "operator") throw taken(`operator key id '${id}'`);
    return { ...operatorKeyView(created, (role) => this.options.limits.roleDefault(role)), token: minted.token };
  }

  async listOperatorKeys(caller: Principal): Promise<{ items: OperatorKeyView[] }> {
    const manager = assertCredentialManager(caller);
    const where: StoreFilter[] = [{ field: "kind", op: "=", value: "operator" }];
    if (manager.productId !== ALL_PRODUCTS) where.push({ field: "productId", op: "=", value: manager.productId });
    const page = await this.options.store.query("credentials", { partitionKey: CREDENTIALS_PARTITION, where, orderBy: { field: "createdAt", direction: "asc" } });
    const limit = (role: OperatorCredentialDoc["role"]) => this.options.limits.roleDefault(role);
    const files = this.options.registry
      .fileCredentials()
      .flatMap((entry) => (entry.kind === "operator" && managesProduct(manager, entry.productId) ? [fileOperatorKeyView(entry, limit)] : []));
    const stored = page.items.flatMap((item) => (item.doc.kind === "operator" && !this.options.registry.isFileCredential(item.doc.id) ? [operatorKeyView(item.doc, limit)] : []));
    return { items: [...files, ...stored] };
  }

  rotateOperatorKey(caller: Principal, id: string, graceSeconds: number): Promise<RotatedToken> {
    this.refuseFileCredential(caller, id);
    return this.rotate(id, graceSeconds, (doc) => doc.kind === "operator" && mayActOnOperatorKey(caller, doc), `operator key '${id}'`);
  }

  revokeOperatorKey(caller: Principal, id: string): Promise<RevokedCredential> {
    this.refuseFileCredential(caller, id);
    return this.revoke(id, (doc) => doc.kind === "operator" && mayActOnOperatorKey(caller, doc), `operator key '${id}'`);
  }

  rotateFactoryToken(caller: Principal, factoryId: string, graceSeconds: number): Promise<RotatedToken> {
    return this.rotate(factoryCredentialId(factoryId), graceSeconds, (doc) => doc.kind === "factory" && mayActOnFactory(caller, doc), enrolledToken(factoryId));
  }

  revokeFactoryToken(caller: Principal, factoryId: string): Promise<RevokedCredential> {
    return this.revoke(factoryCredentialId(factoryId), (doc) => doc.kind === "factory" && mayActOnFactory(caller, doc), enrolledToken(factoryId));
  }

  /** Revokes an enrollment token; `mayAct` decides who may (the enrollment service passes its rule). */
  revoke(id: string, mayAct: (doc: IssuedCredentialDoc) => boolean, what: string): Promise<RevokedCredential> {
    const revoked = (doc: IssuedCredentialDoc, now: number): IssuedCredentialDoc => {
      const ttl = Math.ceil(this.retentionMs / 1000);
      // A revoked token is also expired from now on, so start-up loads skip it (credential-sync.ts).
      return doc.kind === "operator" ? { ...doc, revokedAt: now, updatedAt: now, ttl } : { ...doc, revokedAt: now, updatedAt: now, expiresAt: Math.min(doc.expiresAt, now), ttl };
    };
    return this.change(id, what, mayAct, revoked).then((doc) => ({
      id: doc.id,
      revokedAt: iso(doc.revokedAt ?? this.options.clock.now()),
    }));
  }

  private async rotate(id: string, graceSeconds: number, mayAct: (doc: IssuedCredentialDoc) => boolean, what: string): Promise<RotatedToken> {
    const minted = mintToken(id);
    let validUntil = 0;
    const doc = await this.change(id, what, mayAct, (current, now) => {
      if (current.kind === "enrollment") throw new FleetError("VALIDATION", "enrollment tokens are not rotated: create a new one and revoke the old one");
      const previous = current.secrets.find((slot) => slot.notAfter === undefined) ?? current.secrets[0]!;
      validUntil = now + graceSeconds * 1000;
      const secrets = [{ sha256: minted.secretSha256 }, ...(graceSeconds > 0 ? [{ sha256: previous.sha256, notAfter: validUntil }] : [])];
      if (current.kind === "operator") return { ...current, secrets, updatedAt: now };
      // A rotated factory token lives another full lifetime: a long-running factory keeps working by rotating.
      return { ...current, secrets, updatedAt: now, expiresAt: now + current.tokenTtlSeconds * 1000, ttl: current.tokenTtlSeconds + Math.ceil(this.retentionMs / 1000) };
    });
    return {
      id,
      token: minted.token,
      previousTokenValidUntil: iso(validUntil),
      ...(doc.kind === "factory" ? { expiresAt: iso(doc.expiresAt) } : {}),
    };
  }

  /** An announced change to an active credential the caller may act on; NOT_FOUND otherwise. */
  private async change(
    id: string,
    what: string,
    mayAct: (doc: IssuedCredentialDoc) => boolean,
    decide: (doc: IssuedCredentialDoc, now: number) => IssuedCredentialDoc,
  ): Promise<IssuedCredentialDoc> {
    const doc = await this.options.writer.update(
      id,
      (current) => {
        const now = this.options.clock.now();
        const expired = current.kind !== "operator" && now >= current.expiresAt;
        if (!mayAct(current) || current.revokedAt !== undefined || expired) throw notFound(what);
        return decide(current, now);
      },
      { announce: true },
    );
    if (doc === undefined) throw notFound(what);
    return doc;
  }

  private refuseFileCredential(caller: Principal, id: string): void {
    const entry = this.options.registry.fileCredentials().find((candidate) => candidate.id === id);
    if (entry === undefined) return;
    if (!mayActOnOperatorKey(caller, entry)) throw notFound(`operator key '${id}'`);
    throw new FleetError("FORBIDDEN", `operator key '${id}' comes from CREDENTIALS_FILE: change it there (revoked: true, or a new secretSha256) and send SIGHUP to every coordinator`);
  }
}

function enrolledToken(factoryId: string): string {
  return `an enrolled token of factory '${factoryId}' (pool tokens are rotated in CREDENTIALS_FILE)`;
}

export function notFound(what: string): FleetError {
  return new FleetError("NOT_FOUND", `no active ${what} visible to this credential`);
}

export function taken(what: string): FleetError {
  return new FleetError("ALREADY_EXISTS", `${what} is taken`);
}
