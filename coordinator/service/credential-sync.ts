import {
  type Clock,
  CREDENTIALS_PARTITION,
  CREDENTIALS_VERSION_ID,
  type CredentialDoc,
  type IssuedCredentialDoc,
} from "../../contracts/index.js";
import type { StorePort } from "../../store/port.js";
import type { CredentialRegistry, StoredCredentialFeed } from "../auth/credentials.js";

export interface CredentialSyncOptions {
  store: StorePort;
  clock: Clock;
  registry: CredentialRegistry;
  /** A request after this long since the last check triggers one in the background. */
  refreshAfterMs?: number;
  /** A request after this long waits for a check: the most a revocation on another replica can lag. */
  maxStalenessMs?: number;
  /** How long this replica remembers a revoked or expired credential (presented again later, it
   * is read from the store once more). */
  forgetAfterMs?: number;
  /** Store reads for credentials this replica has not seen, per second (a guesser cannot make more). */
  lookupsPerSecond?: number;
  onError?: (error: unknown) => void;
}

export const DEFAULT_REFRESH_AFTER_MS = 500;
export const DEFAULT_MAX_STALENESS_MS = 1000;
/** How long revoked and expired credentials stay in the store, for the record (their time to live). */
export const CREDENTIAL_RETENTION_MS = 7 * 86_400_000;
const FORGET_AFTER_MS = 10 * 60_000;

/**
 * Keeps a replica's CredentialRegistry in step with the credentials in the store, cheaply.
 *
 * Changes that take access away (revocation, rotation) are announced: the writer stores the
 * credential with `seq = version + 1` and then moves the version document to that number with an
 * etag check (coordinator/service/credential-writer.ts). A replica reads the version document (a
 * point read, 1 RU) and, when it moved, queries the credentials with a higher `seq` (one
 * single-partition query). Both live in one logical partition, so seeing the version move means
 * seeing what it announces.
 *
 * The check is driven by requests, never by a timer: a request less than `refreshAfterMs` after
 * the last check costs nothing; up to `maxStalenessMs` it triggers a check in the background; past
 * it, it waits for one. So a revocation is in force on every replica within `maxStalenessMs` (1 s),
 * an idle replica reads nothing, and a busy one reads the version at most twice a second.
 * New credentials are not announced: a replica that meets an unknown id reads that one document.
 */
export class CredentialSync implements StoredCredentialFeed {
  private appliedSeq = 0;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<boolean> | undefined;
  private prunedAt = 0;
  private readonly lookups = new Map<string, Promise<void>>();
  private readonly misses = new Map<string, number>();
  private lookupBudget: { tokens: number; at: number };
  private readonly refreshAfterMs: number;
  private readonly maxStalenessMs: number;
  private readonly forgetAfterMs: number;
  private readonly lookupsPerSecond: number;

  constructor(private readonly options: CredentialSyncOptions) {
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
    this.maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    this.forgetAfterMs = options.forgetAfterMs ?? FORGET_AFTER_MS;
    this.lookupsPerSecond = options.lookupsPerSecond ?? 200;
    this.lookupBudget = { tokens: this.lookupsPerSecond, at: options.clock.now() };
  }

  /** The version every change up to which this replica has applied. */
  get seq(): number {
    return this.appliedSeq;
  }

  /** Loads every stored credential that can still authenticate (at start, before serving):
   * operator keys, and factory and enrollment tokens that have not expired. Revocation sets a
   * token's expiry to the moment of revocation, so revoked tokens, which pile up with every
   * one-shot container, are not loaded; one presented again is read by id. */
  async load(): Promise<number> {
    const startedAt = this.options.clock.now();
    const version = await this.readVersion();
    const operators = await this.options.store.query("credentials", { partitionKey: CREDENTIALS_PARTITION, where: [{ field: "kind", op: "=", value: "operator" }] });
    const tokens = await this.options.store.query("credentials", { partitionKey: CREDENTIALS_PARTITION, where: [{ field: "expiresAt", op: ">", value: startedAt }] });
    let count = 0;
    for (const item of [...operators.items, ...tokens.items]) {
      if (this.apply(item.doc)) count++;
    }
    this.appliedSeq = version;
    this.checkedAt = startedAt;
    return count;
  }

  async ensureFresh(): Promise<boolean> {
    const age = this.options.clock.now() - this.checkedAt;
    if (age < this.refreshAfterMs) return true;
    if (age < this.maxStalenessMs) {
      void this.check();
      return true;
    }
    // A check already under way may have started before the change that made this one due;
    // what counts is how old the last successful check is once it is done.
    await this.check();
    return this.options.clock.now() - this.checkedAt < this.maxStalenessMs;
  }

  /** Reads the version and applies what it announces; one at a time, shared by concurrent callers. */
  check(): Promise<boolean> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  async lookup(credentialId: string): Promise<void> {
    const now = this.options.clock.now();
    if ((this.misses.get(credentialId) ?? 0) > now) return;
    const running = this.lookups.get(credentialId);
    if (running !== undefined) return running;
    if (!this.spendLookup(now)) return;
    const lookup = this.options.store
      .get("credentials", credentialId, CREDENTIALS_PARTITION)
      .then((stored) => {
        if (stored === undefined || !this.apply(stored.doc)) {
          if (this.misses.size > 10_000) this.misses.clear();
          this.misses.set(credentialId, now + 1000);
        }
      })
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => this.lookups.delete(credentialId));
    this.lookups.set(credentialId, lookup);
    return lookup;
  }

  /** A change this replica wrote: in force here at once, without waiting for a check. */
  applyLocal(doc: IssuedCredentialDoc): void {
    this.misses.delete(doc.id);
    this.options.registry.applyStored(doc);
  }

  private async runCheck(): Promise<boolean> {
    const startedAt = this.options.clock.now();
    try {
      const version = await this.readVersion();
      if (version > this.appliedSeq) {
        const page = await this.options.store.query("credentials", {
          partitionKey: CREDENTIALS_PARTITION,
          where: [{ field: "seq", op: ">", value: this.appliedSeq }],
        });
        for (const item of page.items) this.apply(item.doc);
        this.appliedSeq = version;
      }
      this.checkedAt = startedAt;
      if (startedAt - this.prunedAt > 60_000) {
        this.prunedAt = startedAt;
        this.options.registry.pruneStored(startedAt, this.forgetAfterMs);
      }
      return true;
    } catch (error) {
      this.options.onError?.(error);
      return false;
    }
  }

  private async readVersion(): Promise<number> {
    const stored = await this.options.store.get("credentials", CREDENTIALS_VERSION_ID, CREDENTIALS_PARTITION);
    return stored?.doc.kind === "version" ? stored.doc.seq : 0;
  }

  private apply(doc: CredentialDoc): boolean {
    if (doc.kind === "version") return false;
    this.options.registry.applyStored(doc);
    return true;
  }

  private spendLookup(now: number): boolean {
    const budget = this.lookupBudget;
    budget.tokens = Math.min(this.lookupsPerSecond, budget.tokens + ((now - budget.at) / 1000) * this.lookupsPerSecond);
    budget.at = now;
    if (budget.tokens < 1) return false;
    budget.tokens -= 1;
    return true;
  }
}
