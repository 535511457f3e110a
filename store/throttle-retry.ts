import { type Collection, type DocOf, isStoreError, type QueryPage, type StoreCountQuery, type StorePort, type StoreQuery, type StoreStats, type Stored } from "./port.js";

export interface ThrottleRetryOptions {
  /** Calls in total, the first included; a call still throttled on the last one gives up. Default 5. */
  maxAttempts?: number;
  /** The wait when a StoreError("throttled") carries no retry-after. Default 100 ms. */
  defaultRetryAfterMs?: number;
  /** Waits `ms`; inject the simulator's virtual clock here so no real timer runs. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Retries StoreError("throttled") after its retry-after, a bounded number of times: the behaviour
 * the Cosmos SDK has built in, for stores that lack it (the memory store under injected 429s in
 * the simulator). A 429 is refused before it is applied, so retrying any operation is safe.
 *
 * Its stats are the inner store's plus its own retries; `throttleGiveUps` becomes the calls that
 * gave up here, since a throttle this layer retried through did not reach the caller.
 */
export class ThrottleRetryStore implements StorePort {
  private readonly maxAttempts: number;
  private readonly defaultRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private retries = 0;
  private giveUps = 0;

  constructor(
    private readonly inner: StorePort,
    options: ThrottleRetryOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.defaultRetryAfterMs = options.defaultRetryAfterMs ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  init(): Promise<void> {
    return this.retrying(() => this.inner.init());
  }
  get<C extends Collection>(collection: C, id: string, partitionKey: string): Promise<Stored<DocOf<C>> | undefined> {
    return this.retrying(() => this.inner.get(collection, id, partitionKey));
  }
  create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    return this.retrying(() => this.inner.create(collection, doc));
  }
  replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    return this.retrying(() => this.inner.replace(collection, doc, ifMatch));
  }
  upsert<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    return this.retrying(() => this.inner.upsert(collection, doc));
  }
  delete(collection: Collection, id: string, partitionKey: string): Promise<void> {
    return this.retrying(() => this.inner.delete(collection, id, partitionKey));
  }
  query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
    return this.retrying(() => this.inner.query(collection, query));
  }

  count(collection: Collection, query: StoreCountQuery): Promise<number> {
    return this.retrying(() => this.inner.count(collection, query));
  }
  stats(): StoreStats {
    const inner = this.inner.stats();
    return { ...inner, throttleRetries: inner.throttleRetries + this.retries, throttleGiveUps: this.giveUps };
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private async retrying<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isStoreError(error, "throttled")) throw error;
        if (attempt >= this.maxAttempts) {
          this.giveUps++;
          throw error;
        }
        this.retries++;
        await this.sleep(error.retryAfterMs ?? this.defaultRetryAfterMs);
      }
    }
  }
}
