import { FleetError, LIMITS, isTerminal, type EventPageDoc, type JobDoc } from "../../contracts/index.js";
import { isStoreError, type StorePort, type Stored } from "../../store/port.js";
import { KeyedLock } from "./keyed-lock.js";

export type CommitListener = (previous: JobDoc | undefined, next: JobDoc) => void;

const MAX_CONFLICT_RETRIES = 5;

/**
 * The coordinator's view of job documents: a write-through cache of every ACTIVE job (rebuilt
 * from the store at start) in front of the store, with per-job serialisation. Hot paths (assign,
 * accept, report, release) therefore cost one conditional write and no read. The etag check
 * still protects against any other writer: on a 412 the job is re-read and the decision re-made.
 */
export class JobBook {
  private readonly active = new Map<string, Stored<JobDoc>>();
  private readonly lock = new KeyedLock();
  private readonly listeners: CommitListener[] = [];

  constructor(private readonly store: StorePort) {}

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Loads every active job into the cache and replays them to listeners (index rebuild). */
  async rebuild(): Promise<number> {
    this.active.clear();
    let continuation: string | undefined;
    const loaded: JobDoc[] = [];
    do {
      const page = await this.store.query("jobs", {
        where: [{ field: "stage", op: "not_in", value: ["shipped", "failed", "dead_letter", "cancelled"] }],
        limit: 1000,
        ...(continuation === undefined ? {} : { continuation }),
      });
      for (const item of page.items) {
        this.active.set(item.doc.id, item);
        loaded.push(item.doc);
      }
      continuation = page.continuation;
    } while (continuation !== undefined);
    loaded.sort((a, b) => a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1));
    for (const job of loaded) this.emit(undefined, job);
    return loaded.length;
  }

  activeJobs(): IterableIterator<JobDoc> {
    const values = this.active.values();
    return (function* () {
      for (const stored of values) yield stored.doc;
    })();
  }

  /** The cached copy of an active job. Callers must not mutate it. */
  cached(id: string): JobDoc | undefined {
    return this.active.get(id)?.doc;
  }

  /** The cached active job, or the store's copy. An active job found in the store but missing
   * from the cache (a create whose outcome was unknown) is adopted, so the indexes learn of it. */
  async read(id: string): Promise<Stored<JobDoc> | undefined> {
    const cached = this.active.get(id);
    if (cached !== undefined) return cached;
    const stored = await this.store.get("jobs", id, id);
    if (stored !== undefined && !isTerminal(stored.doc.stage) && !this.active.has(id)) {
      this.remember(stored);
      this.emit(undefined, stored.doc);
    }
    return stored;
  }

  /** Creates a new job document. Throws StoreError("already_exists") when the id is taken. */
  async create(job: JobDoc): Promise<JobDoc> {
    return this.lock.run(job.id, async () => {
      const stored = await this.store.create("jobs", job);
      this.remember(stored);
      this.emit(undefined, stored.doc);
      return stored.doc;
    });
  }

  /**
   * Re-reads (cache first) and applies `decide` under the job's lock, committing with If-Match.
   * `decide` is pure and may run more than once (after a conflict). Returning the same object
   * means "nothing to write". `productId` hides other products' jobs (NOT_FOUND).
   */
  async mutate(id: string, productId: string | undefined, decide: (job: JobDoc) => JobDoc): Promise<JobDoc> {
    return this.lock.run(id, async () => {
      for (let attempt = 0; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
        const current = await this.read(id);
        if (current === undefined || (productId !== undefined && current.doc.productId !== productId)) {
          throw new FleetError("NOT_FOUND", `job ${id} not found`);
        }
        const next = decide(current.doc);
        if (next === current.doc) return current.doc;
        try {
          const stored = await this.write(current, next);
          this.remember(stored);
          this.emit(current.doc, stored.doc);
          return stored.doc;
        } catch (error) {
          if (!isStoreError(error, "conflict") && !isStoreError(error, "timeout")) throw error;
          // Someone else wrote (conflict), or we cannot tell whether our write landed (timeout):
          // re-read, keep the cache and the indexes in step with what the store holds, and decide again.
          const fresh = await this.store.get("jobs", id, id);
          if (fresh === undefined) {
            this.active.delete(id);
            throw new FleetError("NOT_FOUND", `job ${id} not found`);
          }
          this.remember(fresh);
          if (fresh.etag !== current.etag) this.emit(current.doc, fresh.doc);
          if (isStoreError(error, "timeout") && sameDocument(fresh.doc, next)) return fresh.doc;
        }
      }
      throw new FleetError("STORE_UNAVAILABLE", `job ${id} kept changing under us; retry`);
    });
  }

  private async write(current: Stored<JobDoc>, next: JobDoc): Promise<Stored<JobDoc>> {
    const archived = await this.archiveEvents(next);
    return this.store.replace("jobs", archived, current.etag);
  }

  /** Moves the oldest half of an overlong timeline to an event page. The page id is deterministic,
   * so a retry after a failed job write finds the page already there and carries on. */
  private async archiveEvents(job: JobDoc): Promise<JobDoc> {
    if (job.events.length <= LIMITS.inlineEvents) return job;
    const keep = Math.floor(LIMITS.inlineEvents / 2);
    const moved = job.events.slice(0, job.events.length - keep);
    const first = moved[0]!;
    const last = moved[moved.length - 1]!;
    const page: EventPageDoc = {
      id: `${job.id}.${first.seq}`,
      productId: job.productId,
      jobId: job.id,
      fromSeq: first.seq,
      toSeq: last.seq,
      events: moved,
    };
    try {
      await this.store.create("events", page);
    } catch (error) {
      if (!isStoreError(error, "already_exists")) throw error;
    }
    return { ...job, events: job.events.slice(job.events.length - keep) };
  }

  private remember(stored: Stored<JobDoc>): void {
    if (isTerminal(stored.doc.stage)) this.active.delete(stored.doc.id);
    else this.active.set(stored.doc.id, stored);
  }

  private emit(previous: JobDoc | undefined, next: JobDoc): void {
    for (const listener of this.listeners) listener(previous, next);
  }
}

function sameDocument(a: JobDoc, b: JobDoc): boolean {
  return a.updatedAt === b.updatedAt && a.nextEventSeq === b.nextEventSeq && a.stage === b.stage && a.leaseEpoch === b.leaseEpoch;
}
