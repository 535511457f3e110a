import {
  type Clock,
  FleetError,
  CREDENTIALS_PARTITION,
  CREDENTIALS_VERSION_ID,
  type CredentialVersionDoc,
  type IssuedCredentialDoc,
} from "../../contracts/index.js";
import { isStoreError, type StorePort, type Stored } from "../../store/port.js";
import type { CredentialSync } from "./credential-sync.js";

const MAX_ATTEMPTS = 10;

/**
 * Writes stored credentials. A change that takes access away is announced so every replica
 * re-reads it within its staleness bound (credential-sync.ts): the credential is written first
 * with `seq = version + 1`, then the version document is moved to that number with an etag check;
 * if another writer moved it first, the credential is written again with the next number. At any
 * moment the version therefore never names a change that is not already stored. Announced writes
 * of one replica are queued so they do not race each other. Every write is applied to this
 * replica's registry as soon as it is stored.
 */
export class CredentialWriter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: StorePort,
    private readonly sync: CredentialSync,
    private readonly clock: Clock,
  ) {}

  /** Creates a credential; `replaceIf` may allow writing over an existing one (a revoked or
   * expired factory id enrolled again). Returns undefined when the id is taken. New credentials are
   * not announced: a replica that meets the unknown id reads it from the store. */
  async create(doc: IssuedCredentialDoc, replaceIf: (existing: IssuedCredentialDoc) => boolean): Promise<IssuedCredentialDoc | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const stored = await this.store.create("credentials", { ...doc, seq: this.sync.seq });
        return this.applied(stored);
      } catch (error) {
        if (!isStoreError(error, "already_exists")) throw error;
      }
      const existing = await this.store.get("credentials", doc.id, CREDENTIALS_PARTITION);
      if (existing === undefined) continue;
      if (existing.doc.kind === "version" || !replaceIf(existing.doc)) return undefined;
      try {
        // Never below the version replicas hold for this id, or they would keep the old one.
        const stored = await this.store.replace("credentials", { ...doc, seq: Math.max(existing.doc.seq, this.sync.seq) }, existing.etag);
        return this.applied(stored);
      } catch (error) {
        if (!isStoreError(error, "conflict") && !isStoreError(error, "not_found")) throw error;
      }
    }
    throw new FleetError("STORE_UNAVAILABLE", `credential ${doc.id} kept changing while being created; try again`);
  }

  /**
   * Read-modify-write of one credential. `decide` returns the new document, or undefined to change
   * nothing; it may throw to refuse. `announce`: the change takes access away. Returns the stored
   * document, or undefined when there is none.
   */
  update(id: string, decide: (doc: IssuedCredentialDoc) => IssuedCredentialDoc | undefined, options: { announce: boolean }): Promise<IssuedCredentialDoc | undefined> {
    if (!options.announce) return this.write(id, decide, false);
    const run = this.queue.then(
      () => this.write(id, decide, true),
      () => this.write(id, decide, true),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(id: string, decide: (doc: IssuedCredentialDoc) => IssuedCredentialDoc | undefined, announce: boolean): Promise<IssuedCredentialDoc | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.store.get("credentials", id, CREDENTIALS_PARTITION);
      if (current === undefined || current.doc.kind === "version") return undefined;
      const next = decide(current.doc);
      if (next === undefined) return current.doc;
      if (!announce) {
        try {
          return this.applied(await this.store.replace("credentials", { ...next, seq: Math.max(current.doc.seq, this.sync.seq) }, current.etag));
        } catch (error) {
          if (isStoreError(error, "conflict") || isStoreError(error, "not_found")) continue;
          throw error;
        }
      }
      const written = await this.announce(next, current.etag);
      if (written !== undefined) return written;
    }
    throw new FleetError("STORE_UNAVAILABLE", `credential ${id} kept changing while being updated; try again`);
  }

  /** Writes `doc` over the version with etag `etag` and announces it; undefined when the
   * credential changed meanwhile (the caller decides again). */
  private async announce(doc: IssuedCredentialDoc, etag: string): Promise<IssuedCredentialDoc | undefined> {
    let version = await this.version();
    let stored: Stored<IssuedCredentialDoc>;
    try {
      stored = (await this.store.replace("credentials", { ...doc, seq: version.doc.seq + 1 }, etag)) as Stored<IssuedCredentialDoc>;
    } catch (error) {
      if (isStoreError(error, "conflict") || isStoreError(error, "not_found")) return undefined;
      throw error;
    }
    this.sync.applyLocal(stored.doc);
    const announced = stored.doc;
    for (let attempt = 0; attempt < MAX_ATTEMPTS * 3; attempt++) {
      try {
        await this.store.replace("credentials", { ...version.doc, seq: stored.doc.seq, updatedAt: this.clock.now() }, version.etag);
        return announced;
      } catch (error) {
        if (!isStoreError(error, "conflict")) throw error;
      }
      // Another writer moved the version. Ours must stay ahead of it until the version names it:
      // a credential whose seq the version has passed would never be re-read.
      version = await this.version();
      const ahead = await this.keepAhead(doc.id, stored, version.doc.seq);
      if (ahead === undefined) return announced;
      stored = ahead;
      this.sync.applyLocal(stored.doc);
    }
    throw new FleetError("STORE_UNAVAILABLE", `could not announce the change to credential ${doc.id}: the version kept moving; try again`);
  }

  /** The credential with a seq above `versionSeq`, rewriting it when it is not; undefined when it is gone. */
  private async keepAhead(id: string, stored: Stored<IssuedCredentialDoc>, versionSeq: number): Promise<Stored<IssuedCredentialDoc> | undefined> {
    let current: Stored<IssuedCredentialDoc> = stored;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (current.doc.seq > versionSeq) return current;
      try {
        return (await this.store.replace("credentials", { ...current.doc, seq: versionSeq + 1 }, current.etag)) as Stored<IssuedCredentialDoc>;
      } catch (error) {
        if (!isStoreError(error, "conflict") && !isStoreError(error, "not_found")) throw error;
      }
      const fresh = await this.store.get("credentials", id, CREDENTIALS_PARTITION);
      if (fresh === undefined || fresh.doc.kind === "version") return undefined;
      current = fresh as Stored<IssuedCredentialDoc>;
    }
    throw new FleetError("STORE_UNAVAILABLE", `credential ${id} kept changing while its change was announced; try again`);
  }

  private async version(): Promise<Stored<CredentialVersionDoc>> {
    for (;;) {
      const stored = await this.store.get("credentials", CREDENTIALS_VERSION_ID, CREDENTIALS_PARTITION);
      if (stored !== undefined && stored.doc.kind === "version") return stored as Stored<CredentialVersionDoc>;
      try {
        const doc: CredentialVersionDoc = { id: CREDENTIALS_VERSION_ID, partition: CREDENTIALS_PARTITION, kind: "version", seq: 0, updatedAt: this.clock.now() };
        return (await this.store.create("credentials", doc)) as Stored<CredentialVersionDoc>;
      } catch (error) {
        if (!isStoreError(error, "already_exists")) throw error;
      }
    }
  }

  private applied(stored: Stored<unknown>): IssuedCredentialDoc {
    const doc = stored.doc as IssuedCredentialDoc;
    this.sync.applyLocal(doc);
    return doc;
  }
}
