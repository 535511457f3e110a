import { randomBytes } from "node:crypto";
import {
  type Clock,
  type CreateEnrollmentTokenBody,
  type CreatedEnrollmentToken,
  CREDENTIALS_PARTITION,
  type EnrollBody,
  type EnrolledFactory,
  type EnrollmentCredentialDoc,
  type EnrollmentTokenView,
  type FactoryCredentialDoc,
  FleetError,
  type RevokedCredential,
  type Topology,
} from "../../contracts/index.js";
import type { StoreFilter, StorePort } from "../../store/port.js";
import { assertCredentialManager, managesProduct, productForNewCredential } from "../auth/credential-access.js";
import type { CredentialRegistry } from "../auth/credentials.js";
import { ALL_PRODUCTS, type EnrollmentPrincipal, type Principal } from "../auth/principal.js";
import { mintToken } from "../auth/tokens.js";
import { type CredentialBook, factoryCredentialId, taken } from "./credential-book.js";
import { CREDENTIAL_RETENTION_MS } from "./credential-sync.js";
import { enrollmentTokenView, iso } from "./credential-views.js";
import type { CredentialWriter } from "./credential-writer.js";
import { randomSuffix } from "./random-suffix.js";

export interface FactoryEnrollmentOptions {
  store: StorePort;
  clock: Clock;
  topology: Topology;
  registry: CredentialRegistry;
  writer: CredentialWriter;
  book: CredentialBook;
  retentionMs?: number;
}

const REFUSED = "unknown, wrong, expired, used up or revoked enrollment token";

/**
 * Enrollment: an operator issues an enrollment token scoped to one product and one pool (single
 * use, a few uses, or any number until it expires: the platform secret of a KEDA-scaled pool); a
 * factory container exchanges it for its own factory token, bound to one factory id, which from
 * then on comes from the token and never from a header.
 */
export class FactoryEnrollment {
  private readonly retentionSeconds: number;

  constructor(private readonly options: FactoryEnrollmentOptions) {
    this.retentionSeconds = Math.ceil((options.retentionMs ?? CREDENTIAL_RETENTION_MS) / 1000);
  }

  async createToken(caller: Principal, body: CreateEnrollmentTokenBody): Promise<CreatedEnrollmentToken> {
    const manager = assertCredentialManager(caller);
    const productId = productForNewCredential(manager, body.productId, false);
    if (!this.options.topology.pools.some((pool) => pool.name === body.pool)) {
      throw new FleetError("VALIDATION", `there is no pool '${body.pool}' (pools: ${this.options.topology.pools.map((p) => p.name).join(", ")})`, {
        fields: [{ field: "body.pool", message: "unknown pool" }],
      });
    }
    const id = `enroll-${body.pool}-${randomSuffix()}`;
    const minted = mintToken(id);
    const now = this.options.clock.now();
    const doc: EnrollmentCredentialDoc = {
      id,
      partition: CREDENTIALS_PARTITION,
      seq: 0,
      kind: "enrollment",
      productId,
      pool: body.pool,
      secrets: [{ sha256: minted.secretSha256 }],
      expiresAt: now + body.expiresInSeconds * 1000,
      ...(body.maxUses === undefined ? {} : { maxUses: body.maxUses }),
      uses: 0,
      tokenTtlSeconds: body.tokenTtlSeconds,
      ...(body.factoryRateLimit === undefined ? {} : { factoryRateLimit: body.factoryRateLimit }),
      ...(body.label === undefined ? {} : { label: body.label }),
      createdBy: manager.credentialId,
      createdAt: now,
      updatedAt: now,
      ttl: body.expiresInSeconds + this.retentionSeconds,
    };
    const created = await this.options.writer.create(doc, () => false);
    if (created?.kind !== "enrollment") throw taken(`enrollment token id '${id}'`);
    return { ...enrollmentTokenView(created, now), token: minted.token };
  }

  async listTokens(caller: Principal): Promise<{ items: EnrollmentTokenView[] }> {
    const manager = assertCredentialManager(caller);
    const where: StoreFilter[] = [{ field: "kind", op: "=", value: "enrollment" }];
    if (manager.productId !== ALL_PRODUCTS) where.push({ field: "productId", op: "=", value: manager.productId });
    const page = await this.options.store.query("credentials", { partitionKey: CREDENTIALS_PARTITION, where, orderBy: { field: "createdAt", direction: "desc" } });
    const now = this.options.clock.now();
    return { items: page.items.flatMap((item) => (item.doc.kind === "enrollment" ? [enrollmentTokenView(item.doc, now)] : [])) };
  }

  revokeToken(caller: Principal, id: string): Promise<RevokedCredential> {
    return this.options.book.revoke(id, (doc) => doc.kind === "enrollment" && managesProduct(caller, doc.productId), `enrollment token '${id}'`);
  }

  /** Exchanges an enrollment token for a factory token. The use is counted first, with an etag
   * check, so a burst of containers cannot enroll more often than `maxUses`. */
  async enroll(principal: EnrollmentPrincipal, body: EnrollBody): Promise<EnrolledFactory> {
    const enrollment = await this.options.writer.update(
      principal.credentialId,
      (doc) => {
        const now = this.options.clock.now();
        if (doc.kind !== "enrollment" || doc.revokedAt !== undefined || now >= doc.expiresAt || (doc.maxUses !== undefined && doc.uses >= doc.maxUses)) {
          throw new FleetError("UNAUTHENTICATED", REFUSED);
        }
        // Any number of uses: nothing to count, the read above was the check.
        if (doc.maxUses === undefined) return undefined;
        return { ...doc, uses: doc.uses + 1, updatedAt: now };
      },
      { announce: false },
    );
    if (enrollment?.kind !== "enrollment") throw new FleetError("UNAUTHENTICATED", REFUSED);

    const factoryId = body.factoryId ?? `${enrollment.pool}-${randomBytes(4).toString("hex")}`;
    const id = factoryCredentialId(factoryId);
    if (this.options.registry.isFileCredential(id)) throw taken(`factory id '${factoryId}'`);
    const minted = mintToken(id);
    const now = this.options.clock.now();
    const doc: FactoryCredentialDoc = {
      id,
      partition: CREDENTIALS_PARTITION,
      seq: 0,
      kind: "factory",
      productId: enrollment.productId,
      pool: enrollment.pool,
      factoryId,
      secrets: [{ sha256: minted.secretSha256 }],
      expiresAt: now + enrollment.tokenTtlSeconds * 1000,
      tokenTtlSeconds: enrollment.tokenTtlSeconds,
      ...(enrollment.factoryRateLimit === undefined ? {} : { rateLimit: enrollment.factoryRateLimit }),
      createdBy: enrollment.id,
      createdAt: now,
      updatedAt: now,
      ttl: enrollment.tokenTtlSeconds + this.retentionSeconds,
    };
    // A factory id enrolled before may be enrolled again once its token is revoked or expired.
    const created = await this.options.writer.create(
      doc,
      (existing) => existing.kind === "factory" && (existing.revokedAt !== undefined || now >= existing.expiresAt),
    );
    if (created?.kind !== "factory") {
      throw new FleetError("ALREADY_EXISTS", `factory id '${factoryId}' is enrolled already with an active token`);
    }
    return { factoryId, pool: created.pool, productId: created.productId, token: minted.token, expiresAt: iso(created.expiresAt) };
  }
}
