import { EstimatedRu } from "./estimated-ru.js";
import {
  type Collection,
  type DocOf,
  emptyStoreStats,
  type StoreCountQuery,
  StoreError,
  type StoreOpKind,
  type StorePort,
  type StoreQuery,
  type StoreStats,
} from "./port.js";

/**
 * A fault to inject into one call:
 * - `throttle`: a 429 that outlived the adapter's retries (StoreError("throttled") with retry-after);
 * - `conflict`: another writer won the race, a 412 (replace only; other calls run normally);
 * - `timeout`: an unknown outcome; `applied: true` means the call did reach the store, so a write
 *   happened, yet the caller sees StoreError("timeout");
 * - `unavailable`: the store cannot be reached, nothing happens.
 */
export type StoreFault = "none" | { kind: "throttle"; retryAfterMs: number } | "conflict" | { kind: "timeout"; applied: boolean } | "unavailable";
export type StoreFaultOp = StoreOpKind;

/**
 * Wraps a store and injects the faults `decide` picks per call. For the chaos simulator and fault
 * tests. Its stats count an injected fault the way an adapter counts the real one: the call as an
 * operation, a 429 as throttled and given up, a 412 as a conflict.
 */
export class FaultyStore implements StorePort {
  private readonly injected: StoreStats = emptyStoreStats();

  constructor(
    private readonly inner: StorePort,
    private readonly decide: (op: StoreFaultOp, collection: Collection) => StoreFault,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  get<C extends Collection>(collection: C, id: string, partitionKey: string) {
    return this.apply("read", collection, () => this.inner.get(collection, id, partitionKey));
  }
  create<C extends Collection>(collection: C, doc: DocOf<C>) {
    return this.apply("create", collection, () => this.inner.create(collection, doc));
  }
  replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string) {
    return this.apply("replace", collection, () => this.inner.replace(collection, doc, ifMatch));
  }
  upsert<C extends Collection>(collection: C, doc: DocOf<C>) {
    return this.apply("upsert", collection, () => this.inner.upsert(collection, doc));
  }
  delete(collection: Collection, id: string, partitionKey: string) {
    return this.apply("delete", collection, () => this.inner.delete(collection, id, partitionKey));
  }
  query<C extends Collection>(collection: C, query: StoreQuery) {
    return this.apply("query", collection, () => this.inner.query(collection, query));
  }
  count(collection: Collection, query: StoreCountQuery) {
    return this.apply("query", collection, () => this.inner.count(collection, query));
  }
  stats(): StoreStats {
    const inner = this.inner.stats();
    const ops = { ...inner.ops };
    for (const kind of Object.keys(ops) as StoreOpKind[]) ops[kind] += this.injected.ops[kind];
    return {
      ops,
      conflicts: inner.conflicts + this.injected.conflicts,
      throttled: inner.throttled + this.injected.throttled,
      throttleRetries: inner.throttleRetries,
      throttleGiveUps: inner.throttleGiveUps + this.injected.throttleGiveUps,
      estimatedRu: inner.estimatedRu + this.injected.estimatedRu,
    };
  }
  close() {
    return this.inner.close();
  }

  private async apply<T>(op: StoreFaultOp, collection: Collection, call: () => Promise<T>): Promise<T> {
    const fault = this.decide(op, collection);
    const where = `${op} on ${collection}`;
    if (fault === "none" || (fault === "conflict" && op !== "replace")) return call();
    if (fault === "conflict") {
      this.injected.ops[op]++;
      this.injected.conflicts++;
      this.injected.estimatedRu += EstimatedRu.rejectedWrite;
      throw new StoreError("conflict", `${where}: etag moved on (injected 412)`);
    }
    if (fault === "unavailable") {
      this.injected.ops[op]++;
      throw new StoreError("unavailable", `${where}: store unreachable (injected)`);
    }
    if (fault.kind === "throttle") {
      this.injected.ops[op]++;
      this.injected.throttled++;
      this.injected.throttleGiveUps++;
      throw new StoreError("throttled", `${where}: 429 (injected)`, { retryAfterMs: fault.retryAfterMs });
    }
    if (fault.applied) {
      // The request reached the store and whatever it answered was lost on the way back.
      await call().catch((error: unknown) => {
        if (!(error instanceof StoreError)) throw error;
      });
    } else {
      this.injected.ops[op]++;
    }
    throw new StoreError("timeout", `${where}: timed out, outcome unknown (injected)`);
  }
}
