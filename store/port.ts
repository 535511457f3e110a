import type { BudgetDoc, CheckpointDoc, CredentialDoc, EventPageDoc, FactoryDoc, JobDoc, PoolDoc, ScheduleDoc } from "../contracts/index.js";

/**
 * The store port: documents with etag compare-and-swap. Small on purpose: what the coordinator,
 * the reaper and the dispatcher need, nothing that mirrors one SDK.
 *
 * Contract for every adapter (proven by store/contract/store-contract.ts):
 * - `create` fails with StoreError("already_exists") when the id exists in that partition.
 * - `replace` with `ifMatch` fails with StoreError("conflict") when the stored etag differs
 *   (Cosmos 412), and with StoreError("not_found") when the document is gone. A successful write
 *   returns the new etag; every write changes the etag.
 * - `get` returns undefined for a missing document (never throws not_found).
 * - Throttling (Cosmos 429) is retried inside the adapter honouring retry-after; when retries run
 *   out the call fails with StoreError("throttled"). A timeout whose outcome is unknown fails with
 *   StoreError("timeout"): the write may or may not have happened, so callers re-read.
 * - Every call is counted by kind in `stats()`.
 * - Time to live, as Cosmos DB: in a container with TTL on (CONTAINER_TTL_SECONDS), a document
 *   disappears `ttl` seconds after its last write (its own `ttl` field, else the container's
 *   default; -1 never). An expired document is gone for every call: get returns undefined, queries
 *   skip it, replace and delete fail with not_found, create succeeds over it. Without TTL on the
 *   container a `ttl` field is plain data.
 */
export interface StorePort {
  /** Creates the database and containers (with their partition keys) if missing. Idempotent. */
  init(): Promise<void>;
  get<C extends Collection>(collection: C, id: string, partitionKey: string): Promise<Stored<DocOf<C>> | undefined>;
  create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>>;
  replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>>;
  /** Create-or-replace without a precondition; for documents with a single writer (heartbeats, checkpoints). */
  upsert<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>>;
  delete(collection: Collection, id: string, partitionKey: string): Promise<void>;
  /** Filtered, ordered, paged read. Only for start-up, operator and background paths: never per assignment. */
  query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>>;
  /** How many documents match (`SELECT VALUE COUNT(1)`): one aggregate query, no documents read.
   * For start-up and operator paths, like `query`; counted as a query in `stats()`. */
  count(collection: Collection, query: StoreCountQuery): Promise<number>;
  stats(): StoreStats;
  close(): Promise<void>;
}

export interface CollectionDocs {
  jobs: JobDoc;
  events: EventPageDoc;
  factories: FactoryDoc;
  budgets: BudgetDoc;
  pools: PoolDoc;
  checkpoints: CheckpointDoc;
  schedules: ScheduleDoc;
  credentials: CredentialDoc;
}
export type Collection = keyof CollectionDocs;
export type DocOf<C extends Collection> = CollectionDocs[C];

/** Partition key path per container. Jobs are partitioned by their own id so writes spread over
 * every physical partition (see docs/adr/0001-one-conditional-write-per-transition.md). */
export const PARTITION_KEYS: Readonly<Record<Collection, "id" | "jobId" | "productId" | "partition">> = {
  jobs: "id",
  events: "jobId",
  factories: "productId",
  budgets: "productId",
  pools: "productId",
  checkpoints: "id",
  schedules: "productId",
  // One logical partition for every credential (see contracts/credential.ts).
  credentials: "partition",
};

/**
 * Containers with time to live on (Cosmos DB `defaultTtl`): -1 means on, and only documents with
 * their own `ttl` expire; a positive number is the default for documents without one. Factory
 * documents expire ten minutes after their last heartbeat unless a heartbeat says otherwise, so a
 * container that died without deregistering leaves nothing behind.
 */
export const CONTAINER_TTL_SECONDS: Readonly<Partial<Record<Collection, number>>> = {
  events: -1,
  checkpoints: -1,
  factories: 600,
  credentials: -1,
};

export const COLLECTIONS = Object.keys(PARTITION_KEYS) as Collection[];

export function partitionKeyOf<C extends Collection>(collection: C, doc: DocOf<C>): string {
  const field = PARTITION_KEYS[collection];
  const value = (doc as unknown as Record<string, unknown>)[field];
  if (typeof value !== "string") {
    throw new Error(`document for ${collection} has no string partition key field '${field}'`);
  }
  return value;
}

export interface Stored<T> {
  doc: T;
  etag: string;
}

/**
 * Comparisons (`=` ... `>=`), list membership (`in`, `not_in`), and for text and arrays:
 * - `starts_with`: a string field starts with the value (`STARTSWITH`), case-sensitive;
 * - `contains_ignore_case`: a string field contains the value, ignoring case;
 * - `array_contains`: an array field has an element equal to the (scalar) value (`ARRAY_CONTAINS`);
 * - `has_element`: an array field has an object element whose properties include every property of
 *   the value, e.g. `runs` has `{ pool: "gpu" }` (`ARRAY_CONTAINS(..., value, true)`).
 * A field that is missing or of another type never matches, as in Cosmos DB.
 */
export type FilterOp =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "not_in"
  | "starts_with"
  | "contains_ignore_case"
  | "array_contains"
  | "has_element";

export type FilterScalar = string | number | boolean;

/** `field` is a dot path into the document, such as "stage" or "lease.pool". */
export interface StoreFilter {
  field: string;
  op: FilterOp;
  /** A list for `in`/`not_in`, an object of scalars for `has_element`, a scalar otherwise. */
  value: FilterScalar | readonly FilterScalar[] | Readonly<Record<string, FilterScalar>>;
}

/** At least one of the conditions holds (OR); an empty list matches nothing. */
export interface StoreAnyOf {
  anyOf: readonly StoreCondition[];
}

export type StoreCondition = StoreFilter | StoreAnyOf;

export function isAnyOf(condition: StoreCondition): condition is StoreAnyOf {
  return "anyOf" in condition;
}

export interface StoreCountQuery {
  /** All conditions must hold (AND). */
  where?: readonly StoreCondition[];
  partitionKey?: string;
}

export interface StoreQuery {
  /** All conditions must hold (AND). */
  where?: readonly StoreCondition[];
  orderBy?: { field: string; direction: "asc" | "desc" };
  /** Restricts the query to one logical partition (cheap); omit for a cross-partition query. */
  partitionKey?: string;
  limit?: number;
  continuation?: string;
}

export interface QueryPage<T> {
  items: Stored<T>[];
  /** Present when more items may follow. */
  continuation?: string;
}

export type StoreOpKind = "read" | "create" | "replace" | "upsert" | "delete" | "query";

export interface StoreStats {
  ops: Record<StoreOpKind, number>;
  /** Conditional writes rejected because the etag had moved on (412). */
  conflicts: number;
  /** 429 responses seen, retries made, and calls that gave up after retries. */
  throttled: number;
  throttleRetries: number;
  throttleGiveUps: number;
  /** Request units by the published model (1 RU per KB read, 5 RU per KB written, 2.5 RU per query page). */
  estimatedRu: number;
}

export type StoreErrorCode = "conflict" | "not_found" | "already_exists" | "throttled" | "timeout" | "unavailable";

/** The one error the store port throws. Adapters translate SDK errors into it. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly retryAfterMs: number | undefined;
  constructor(code: StoreErrorCode, message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StoreError";
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

export function emptyStoreStats(): StoreStats {
  return {
    ops: { read: 0, create: 0, replace: 0, upsert: 0, delete: 0, query: 0 },
    conflicts: 0,
    throttled: 0,
    throttleRetries: 0,
    throttleGiveUps: 0,
    estimatedRu: 0,
  };
}
