import type { Collection, DocOf, StoreCountQuery, StorePort, StoreQuery, StoreStats } from "../../store/port.js";

/** What a recording store learns of the writes the store under it applied. */
export interface AppliedWriteObserver {
  /** A create, replace or upsert the store applied, with the document as stored. */
  applied(collection: Collection, doc: DocOf<Collection>): void;
  /** A delete the store applied. */
  deleted?(collection: Collection, id: string): void;
}

/**
 * A store that passes every call through and tells its observer of each write the store under it
 * APPLIED, after it did: a write that failed is never reported, and one whose caller saw a
 * timeout is reported when (and only when) it happened. The base of the simulator's and the
 * leadership checker's recording stores, so safety is judged at the store.
 */
export class AppliedWritesStore implements StorePort {
  constructor(
    private readonly inner: StorePort,
    private readonly observer: AppliedWriteObserver,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  get<C extends Collection>(collection: C, id: string, partitionKey: string) {
    return this.inner.get(collection, id, partitionKey);
  }
  async create<C extends Collection>(collection: C, doc: DocOf<C>) {
    const stored = await this.inner.create(collection, doc);
    this.observer.applied(collection, stored.doc);
    return stored;
  }
  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string) {
    const stored = await this.inner.replace(collection, doc, ifMatch);
    this.observer.applied(collection, stored.doc);
    return stored;
  }
  async upsert<C extends Collection>(collection: C, doc: DocOf<C>) {
    const stored = await this.inner.upsert(collection, doc);
    this.observer.applied(collection, stored.doc);
    return stored;
  }
  async delete(collection: Collection, id: string, partitionKey: string) {
    await this.inner.delete(collection, id, partitionKey);
    this.observer.deleted?.(collection, id);
  }
  query<C extends Collection>(collection: C, query: StoreQuery) {
    return this.inner.query(collection, query);
  }
  count(collection: Collection, query: StoreCountQuery) {
    return this.inner.count(collection, query);
  }
  stats(): StoreStats {
    return this.inner.stats();
  }
  close() {
    return this.inner.close();
  }
}
