import { type Collection, type DocOf, StoreError, type StorePort, type StoreQuery } from "./port.js";

export type StoreFault = "none" | { kind: "throttle"; retryAfterMs: number } | { kind: "timeout"; applied: boolean } | "unavailable" | "conflict";
export type StoreFaultOp = "read" | "create" | "replace" | "upsert" | "delete" | "query";

/**
 * Wraps a store and injects faults chosen by `decide`: a 429 that outlived the retries, an
 * unavailable store, or a timeout whose outcome is unknown (`applied: true` means the write
 * happened although the caller sees StoreError("timeout")). For the simulator and fault tests.
 */
export class FaultyStore implements StorePort {
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
  stats() {
    return this.inner.stats();
  }
  close() {
    return this.inner.close();
  }

  private async apply<T>(op: StoreFaultOp, collection: Collection, call: () => Promise<T>): Promise<T> {
    const fault = this.decide(op, collection);
    if (fault === "none") return call();
    if (fault === "unavailable") throw new StoreError("unavailable", `${op} on ${collection}: store unreachable (injected)`);
    // A 412 race: another writer got there first (only meaningful for conditional replaces).
    if (fault === "conflict") {
      if (op !== "replace") return call();
      throw new StoreError("conflict", `${op} on ${collection}: etag moved on (injected 412 race)`);
    }
    if (fault.kind === "throttle") throw new StoreError("throttled", `${op} on ${collection}: 429 (injected)`, { retryAfterMs: fault.retryAfterMs });
    if (fault.applied) await call();
    throw new StoreError("timeout", `${op} on ${collection}: timed out, outcome unknown (injected)`);
  }
}
