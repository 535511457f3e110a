import { Id, type IssuedCredentialDoc, type RateLimitDefaults } from "../../contracts/index.js";
import { type CredentialEntry, entriesOfFile, entryOfDoc, isNewer } from "./credential-entry.js";
import { CredentialsFile, type CredentialsFileInput } from "./credentials-file.js";
import type { Principal } from "./principal.js";
import { parseBearer, secretMatches } from "./tokens.js";

export { CredentialsFile, type CredentialsFileInput } from "./credentials-file.js";
export { mintToken } from "./tokens.js";

/** The kind of credential a refused caller presented: the kind of the credential its token names
 * (whether or not the secret matched), `unknown` for a token naming no credential held here, and
 * `missing` for a request without a bearer token. For counting refusals (fleet_auth_failures_total);
 * never sent to the caller, which must not learn whether a credential id exists. */
export type PresentedKind = Principal["kind"] | "unknown" | "missing";
export const PRESENTED_KINDS: readonly PresentedKind[] = ["operator", "factory", "enrollment", "unknown", "missing"];

export type AuthFailure = {
  code: "UNAUTHENTICATED" | "FORBIDDEN" | "STORE_UNAVAILABLE";
  message: string;
  presented: PresentedKind;
  /** A credential id the store may know better (unknown here, or no secret matched): ask, then try again. */
  lookup?: string;
};

/** The stored credentials as the registry needs them (coordinator/service/credential-sync.ts). */
export interface StoredCredentialFeed {
  /** Resolves true once what the registry holds is recent enough; false when the store cannot
   * confirm it (stored credentials are then refused, file ones still work). */
  ensureFresh(): Promise<boolean>;
  /** Reads one credential from the store (a token issued a moment ago on another replica). */
  lookup(credentialId: string): Promise<void>;
}

const REFUSED = "unknown, wrong, expired or revoked token";

/**
 * Every credential the coordinator accepts, in memory: the bootstrap ones of CREDENTIALS_FILE
 * (`replace` swaps them all at once, on SIGHUP) and those issued at run time, kept in the store
 * and applied here as they change (`applyStored`). `<credential id>.<secret>` bearer tokens; only
 * sha256 hashes are held, compared in constant time; no token is ever logged. A file credential
 * wins over a stored one with the same id.
 */
export class CredentialRegistry {
  private fileEntries = new Map<string, CredentialEntry>();
  private readonly storedEntries = new Map<string, CredentialEntry>();
  private fileRateLimits: RateLimitDefaults | undefined;
  private feed: StoredCredentialFeed | undefined;
  private now: () => number = () => Date.now();

  constructor(file: CredentialsFileInput = {}) {
    this.replace(file);
  }

  /** Swaps the file credentials for `file`'s, atomically; throws (changing nothing) when it is invalid. */
  replace(file: CredentialsFileInput): void {
    const parsed = CredentialsFile.parse(file);
    this.fileEntries = new Map(entriesOfFile(parsed).map((entry) => [entry.id, entry]));
    this.fileRateLimits = parsed.rateLimits;
  }

  /** Connects the stored credentials and the clock expiry and grace periods are measured by. */
  attach(feed: StoredCredentialFeed, now: () => number): void {
    this.feed = feed;
    this.now = now;
  }

  /** Applies a stored credential's current version; an older version than the one held is ignored. */
  applyStored(doc: IssuedCredentialDoc): void {
    const entry = entryOfDoc(doc);
    if (isNewer(entry, this.storedEntries.get(doc.id))) this.storedEntries.set(doc.id, entry);
  }

  /** Forgets stored credentials that can no longer authenticate anyone (memory stays bounded). */
  pruneStored(now: number, retentionMs: number): void {
    for (const [id, entry] of this.storedEntries) {
      const deadAt = entry.revoked ? entry.updatedAt : entry.expiresAt;
      if (deadAt !== undefined && now - deadAt > retentionMs) this.storedEntries.delete(id);
    }
  }

  /** Default request limits per role from CREDENTIALS_FILE, if it sets any. */
  rateLimitDefaults(): RateLimitDefaults | undefined {
    return this.fileRateLimits;
  }

  /** The file credentials (for listing; never the hashes). */
  fileCredentials(): readonly CredentialEntry[] {
    return [...this.fileEntries.values()];
  }

  /** Whether `id` is taken by a file credential (the API must not issue it). */
  isFileCredential(id: string): boolean {
    return this.fileEntries.has(id);
  }

  /** Marks a file credential revoked until the next `replace`. */
  revoke(id: string): boolean {
    const entry = this.fileEntries.get(id);
    if (entry === undefined) return false;
    entry.revoked = true;
    return true;
  }

  /** Authenticates against credentials recent enough (at most the feed's staleness), asking the
   * store once about a credential it does not know yet. */
  async verify(authorization: string | undefined, factoryIdHeader: string | undefined): Promise<Principal | AuthFailure> {
    const feed = this.feed;
    const fresh = feed === undefined ? true : await feed.ensureFresh();
    let result = this.authenticate(authorization, factoryIdHeader, this.now(), fresh);
    if ("code" in result && result.lookup !== undefined && feed !== undefined && fresh) {
      await feed.lookup(result.lookup);
      result = this.authenticate(authorization, factoryIdHeader, this.now(), fresh);
    }
    if ("code" in result) return { code: result.code, message: result.message, presented: result.presented };
    return result;
  }

  /** Resolves an Authorization header (and, for pool tokens, the X-Factory-Id header) from memory. */
  authenticate(authorization: string | undefined, factoryIdHeader: string | undefined, now = this.now(), storedConfirmed = true): Principal | AuthFailure {
    const presented = parseBearer(authorization);
    if (presented === undefined) {
      return { code: "UNAUTHENTICATED", message: "missing or malformed bearer token", presented: authorization === undefined || authorization.trim() === "" ? "missing" : "unknown" };
    }
    const entry = this.fileEntries.get(presented.credentialId) ?? this.storedEntries.get(presented.credentialId);
    // Compared even for unknown ids so timing does not reveal which ids exist.
    const matched = secretMatches(presented.digest, entry?.secrets ?? [], now);
    const kind: PresentedKind = entry?.kind ?? "unknown";
    if (entry === undefined || !matched) {
      return { code: "UNAUTHENTICATED", message: REFUSED, presented: kind, ...(entry?.source === "file" ? {} : { lookup: presented.credentialId }) };
    }
    if (entry.source === "store" && !storedConfirmed) {
      return { code: "STORE_UNAVAILABLE", message: "cannot confirm this token: the store holding run-time credentials is unreachable", presented: kind };
    }
    if (entry.revoked || (entry.expiresAt !== undefined && now >= entry.expiresAt)) return { code: "UNAUTHENTICATED", message: REFUSED, presented: kind };
    switch (entry.kind) {
      case "operator":
        return {
          kind: "operator",
          credentialId: entry.id,
          productId: entry.productId,
          role: entry.role,
          source: entry.source,
          ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
          ...(entry.reviewerRoles === undefined ? {} : { reviewerRoles: entry.reviewerRoles }),
        };
      case "enrollment":
        if (entry.usedUp) return { code: "UNAUTHENTICATED", message: REFUSED, presented: kind };
        return { kind: "enrollment", credentialId: entry.id, productId: entry.productId, pool: entry.pool };
      case "factory": {
        // A token bound to one factory decides the id; the header may only repeat it.
        if (entry.factoryId !== undefined && factoryIdHeader !== undefined && factoryIdHeader !== entry.factoryId) {
          return { code: "FORBIDDEN", message: "X-Factory-Id does not match the factory this token belongs to", presented: kind };
        }
        const factoryId = entry.factoryId ?? factoryIdHeader;
        if (factoryId === undefined || !Id.safeParse(factoryId).success) {
          return { code: "UNAUTHENTICATED", message: "a pool token needs the factory instance id in the X-Factory-Id header", presented: kind };
        }
        return {
          kind: "factory",
          credentialId: entry.id,
          productId: entry.productId,
          pool: entry.pool,
          factoryId,
          bound: entry.factoryId !== undefined,
          source: entry.source,
          ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
        };
      }
    }
  }
}
