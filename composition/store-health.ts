import { isStoreError, type StorePort } from "../store/port.js";

/** How long a store failure is believed without asking again. */
const PROBE_EVERY_MS = 1000;

/**
 * Whether the store answers, for readiness: every call through `watch(store)` records its
 * outcome (a refusal or an unknown outcome marks it unreachable; any answer, a 404 or a 412
 * included, marks it reachable). While it is marked unreachable, asking `state()` sends one cheap
 * probe (a point read) at most once a second, so readiness recovers at idle without traffic.
 */
export class StoreHealth {
  private failure: string | undefined;
  private lastProbeAt = 0;
  private probing = false;

  constructor(private readonly now: () => number) {}

  /** The store with every call observed. */
  watch(store: StorePort): StorePort {
    const observe = <T>(call: Promise<T>): Promise<T> =>
      call.then(
        (value) => {
          this.failure = undefined;
          return value;
        },
        (error: unknown) => {
          if (isStoreError(error, "unavailable") || isStoreError(error, "timeout")) this.failure = error.message;
          else this.failure = undefined;
          throw error;
        },
      );
    this.probeTarget = store;
    return {
      init: () => observe(store.init()),
      get: (collection, id, partitionKey) => observe(store.get(collection, id, partitionKey)),
      create: (collection, doc) => observe(store.create(collection, doc)),
      replace: (collection, doc, ifMatch) => observe(store.replace(collection, doc, ifMatch)),
      upsert: (collection, doc) => observe(store.upsert(collection, doc)),
      delete: (collection, id, partitionKey) => observe(store.delete(collection, id, partitionKey)),
      query: (collection, query) => observe(store.query(collection, query)),
      stats: () => store.stats(),
      close: () => store.close(),
    };
  }

  private probeTarget: StorePort | undefined;

  /** "ok", or "unreachable (<why>)". */
  state(): string {
    if (this.failure === undefined) return "ok";
    const now = this.now();
    if (!this.probing && this.probeTarget !== undefined && now - this.lastProbeAt >= PROBE_EVERY_MS) {
      this.lastProbeAt = now;
      this.probing = true;
      const target = this.probeTarget;
      void target
        .get("checkpoints", "health.probe", "health.probe")
        .then(
          () => {
            this.failure = undefined;
          },
          (error: unknown) => {
            if (isStoreError(error, "unavailable") || isStoreError(error, "timeout")) this.failure = error instanceof Error ? error.message : String(error);
          },
        )
        .finally(() => {
          this.probing = false;
        });
    }
    return this.failure === undefined ? "ok" : `unreachable (${this.failure})`;
  }
}
