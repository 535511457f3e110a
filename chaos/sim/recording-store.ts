import type { JobDoc } from "../../contracts/index.js";
import type { History } from "../history/history.js";
import type { Collection, DocOf, StoreCountQuery, StorePort, StoreQuery, StoreStats } from "../../store/port.js";

/**
 * The store as the history sees it: every job write the store APPLIED becomes a commit in the
 * history, with the stage before and after, the epoch, the lease and the events it appended. It
 * sits directly on the memory store, under the fault injection, so a write whose caller saw a
 * timeout is recorded when (and only when) it happened: safety is judged at the store.
 */
export class RecordingStore implements StorePort {
  private readonly last = new Map<string, JobDoc>();

  constructor(
    private readonly inner: StorePort,
    private readonly history: History,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  get<C extends Collection>(collection: C, id: string, partitionKey: string) {
    return this.inner.get(collection, id, partitionKey);
  }
  async create<C extends Collection>(collection: C, doc: DocOf<C>) {
    const stored = await this.inner.create(collection, doc);
    this.observe(stored.doc);
    return stored;
  }
  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string) {
    const stored = await this.inner.replace(collection, doc, ifMatch);
    this.observe(stored.doc);
    return stored;
  }
  async upsert<C extends Collection>(collection: C, doc: DocOf<C>) {
    const stored = await this.inner.upsert(collection, doc);
    this.observe(stored.doc);
    return stored;
  }
  delete(collection: Collection, id: string, partitionKey: string) {
    return this.inner.delete(collection, id, partitionKey);
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

  private observe(doc: DocOf<Collection>): void {
    if (!isJob(doc)) return;
    const before = this.last.get(doc.id);
    this.last.set(doc.id, doc);
    const appended = doc.events.filter((event) => event.seq >= (before?.nextEventSeq ?? 0));
    this.history.instant({
      kind: "commit",
      actor: "store",
      jobId: doc.id,
      key: doc.idempotencyKey,
      epoch: doc.leaseEpoch,
      stage: doc.stage,
      ...(before === undefined ? {} : { from: before.stage }),
      events: appended.map((event) => event.type),
      ...(appended.length === 0 ? {} : { eventActor: appended[appended.length - 1]!.actor }),
      ...(doc.lease?.factoryId === undefined ? {} : { factoryId: doc.lease.factoryId }),
      ...(doc.lease?.expiresAt === undefined ? {} : { expiresAt: doc.lease.expiresAt }),
      ...(doc.stageReason === undefined ? {} : { reason: doc.stageReason }),
      attempts: doc.attempts,
      retries: doc.retries,
    });
  }
}

function isJob(doc: DocOf<Collection>): doc is JobDoc {
  return "leaseEpoch" in doc && "idempotencyKey" in doc;
}
