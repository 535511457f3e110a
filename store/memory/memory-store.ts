import { randomUUID } from "node:crypto";
import { EstimatedRu } from "../estimated-ru.js";
import {
  COLLECTIONS,
  CONTAINER_TTL_SECONDS,
  type Collection,
  type DocOf,
  emptyStoreStats,
  partitionKeyOf,
  type QueryPage,
  StoreError,
  type StorePort,
  type StoreQuery,
  type StoreStats,
  type Stored,
} from "../port.js";
import { validateStoreQuery } from "../validate-store-query.js";
import { compareForOrder, matchesFilter, valueAt } from "./cosmos-value-semantics.js";

interface Row {
  /** The stored document as JSON text: immutable, so no caller can alias it, and its length is
   * the size the RU model charges. */
  json: string;
  etag: string;
  pk: string;
  /** Creation order. Map iteration follows it, and query cursors resume after it. */
  seq: number;
  /** Parsed on the first query that needs it and dropped on the next write; never handed out. */
  view: unknown;
  /** When time to live removes it (ms), as Cosmos DB counts: from the last write. */
  expiresAt: number | undefined;
}

export interface MemoryStoreOptions {
  /** The clock time to live is measured by (wall clock by default; tests pass a manual one). */
  now?: () => number;
}

/** Where a page stopped: the last row returned, and for ordered queries its sort value. */
interface Cursor {
  order: string;
  seq: number;
  hasValue: boolean;
  value?: unknown;
}

/**
 * The in-memory store: the same contract and the same observable semantics as the Cosmos adapter
 * (etag compare-and-swap, not_found, already_exists, Cosmos SQL comparison rules, keyset paging),
 * for unit tests, the simulator and benchmarks, counted by the same RU model.
 *
 * Documents are copied with JSON on the way in and out: faster than structuredClone for ~1 KB job
 * documents (one JSON.parse of the stored text against a full clone) and it normalises exactly as a
 * round trip through Cosmos DB does (undefined properties vanish, dates become strings).
 * Time to live follows Cosmos DB (store/port.ts): an expired row is invisible to every call and
 * dropped by the next point call that comes across it.
 */
export class MemoryStore implements StorePort {
  private readonly collections = new Map<Collection, Map<string, Row>>(COLLECTIONS.map((c) => [c, new Map()]));
  private readonly counters: StoreStats = emptyStoreStats();
  /** Etags of one store never match another's, which catches etags carried across stores. */
  private readonly etagPrefix = randomUUID().slice(0, 8);
  private writes = 0;
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? (() => Date.now());
  }

  async init(): Promise<void> {}

  async get<C extends Collection>(collection: C, id: string, partitionKey: string): Promise<Stored<DocOf<C>> | undefined> {
    this.counters.ops.read++;
    const row = this.live(this.rows(collection), rowKey(partitionKey, id));
    if (row === undefined) {
      this.counters.estimatedRu += EstimatedRu.readMissing;
      return undefined;
    }
    this.counters.estimatedRu += EstimatedRu.read(row.json.length);
    return { doc: JSON.parse(row.json) as DocOf<C>, etag: row.etag };
  }

  async create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.counters.ops.create++;
    const pk = partitionKeyOf(collection, doc);
    const rows = this.rows(collection);
    const key = rowKey(pk, doc.id);
    if (this.live(rows, key) !== undefined) return this.reject("already_exists", `${collection}/${doc.id} already exists in partition '${pk}'`);
    return this.put(collection, rows, key, pk, doc, undefined);
  }

  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    this.counters.ops.replace++;
    const pk = partitionKeyOf(collection, doc);
    const rows = this.rows(collection);
    const key = rowKey(pk, doc.id);
    const current = this.live(rows, key);
    if (current === undefined) return this.reject("not_found", `${collection}/${doc.id} does not exist in partition '${pk}'`);
    if (current.etag !== ifMatch) {
      this.counters.conflicts++;
      return this.reject("conflict", `${collection}/${doc.id} changed since it was read (etag mismatch)`);
    }
    return this.put(collection, rows, key, pk, doc, current);
  }

  async upsert<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.counters.ops.upsert++;
    const pk = partitionKeyOf(collection, doc);
    const rows = this.rows(collection);
    const key = rowKey(pk, doc.id);
    return this.put(collection, rows, key, pk, doc, this.live(rows, key));
  }

  async delete(collection: Collection, id: string, partitionKey: string): Promise<void> {
    this.counters.ops.delete++;
    const rows = this.rows(collection);
    const key = rowKey(partitionKey, id);
    if (this.live(rows, key) === undefined || !rows.delete(key)) {
      this.reject("not_found", `${collection}/${id} does not exist in partition '${partitionKey}'`);
    }
    this.counters.estimatedRu += EstimatedRu.delete;
  }

  async query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
    validateStoreQuery(query);
    this.counters.ops.query++;
    this.counters.estimatedRu += EstimatedRu.queryPage;
    const order = query.orderBy === undefined ? "" : `${query.orderBy.field}:${query.orderBy.direction}`;
    const after = query.continuation === undefined ? undefined : decodeCursor(query.continuation, order);
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const where = query.where ?? [];
    const now = this.now();
    const matches = (row: Row): boolean =>
      (row.expiresAt === undefined || now < row.expiresAt) &&
      (query.partitionKey === undefined || row.pk === query.partitionKey) &&
      where.every((filter) => matchesFilter(viewOf(row), filter));
    const rows = this.rows(collection).values();
    const page: Row[] = [];
    let more = false;

    if (query.orderBy === undefined) {
      // Map order is creation order, so the cursor is just the last row's sequence number.
      const from = after?.seq ?? 0;
      for (const row of rows) {
        if (row.seq <= from || !matches(row)) continue;
        if (page.length === limit) {
          more = true;
          break;
        }
        page.push(row);
      }
    } else {
      const { field, direction } = query.orderBy;
      const sign = direction === "asc" ? 1 : -1;
      // Ties are broken by creation order so the order is total and a cursor is unambiguous.
      const compare = (a: unknown, aSeq: number, b: unknown, bSeq: number): number => sign * (compareForOrder(a, b) || aSeq - bSeq);
      const candidates: { row: Row; value: unknown }[] = [];
      for (const row of rows) {
        if (!matches(row)) continue;
        const value = valueAt(viewOf(row), field);
        if (after !== undefined && compare(value, row.seq, after.value, after.seq) <= 0) continue;
        candidates.push({ row, value });
      }
      candidates.sort((a, b) => compare(a.value, a.row.seq, b.value, b.row.seq));
      more = candidates.length > limit;
      for (const candidate of candidates.slice(0, limit)) page.push(candidate.row);
    }

    const items = page.map((row) => ({ doc: JSON.parse(row.json) as DocOf<C>, etag: row.etag }));
    const last = page.at(-1);
    if (!more || last === undefined) return { items };
    const value = query.orderBy === undefined ? undefined : valueAt(viewOf(last), query.orderBy.field);
    return { items, continuation: encodeCursor({ order, seq: last.seq, hasValue: value !== undefined, value }) };
  }

  stats(): StoreStats {
    return structuredClone(this.counters);
  }

  async close(): Promise<void> {}

  private rows(collection: Collection): Map<string, Row> {
    const rows = this.collections.get(collection);
    if (rows === undefined) throw new Error(`unknown collection '${collection}'`);
    return rows;
  }

  /** The row at `key` unless time to live has removed it (then it is dropped). */
  private live(rows: Map<string, Row>, key: string): Row | undefined {
    const row = rows.get(key);
    if (row?.expiresAt !== undefined && this.now() >= row.expiresAt) {
      rows.delete(key);
      return undefined;
    }
    return row;
  }

  private put<T>(collection: Collection, rows: Map<string, Row>, key: string, pk: string, doc: T, current: Row | undefined): Stored<T> {
    const json = JSON.stringify(doc);
    const etag = `"${this.etagPrefix}-${(++this.writes).toString(36)}"`;
    // Replacing in place keeps the row's position in the Map, and so its creation order.
    rows.set(key, { json, etag, pk, seq: current?.seq ?? this.writes, view: undefined, expiresAt: this.expiryOf(collection, doc) });
    this.counters.estimatedRu += EstimatedRu.write(json.length);
    return { doc: JSON.parse(json) as T, etag };
  }

  /** Cosmos DB's rule: the document's own ttl, else the container's default; -1 (or TTL off on the container) never. */
  private expiryOf(collection: Collection, doc: unknown): number | undefined {
    const containerTtl = CONTAINER_TTL_SECONDS[collection];
    if (containerTtl === undefined) return undefined;
    const own = (doc as { ttl?: unknown }).ttl;
    const seconds = typeof own === "number" ? own : containerTtl;
    return seconds > 0 ? this.now() + seconds * 1000 : undefined;
  }

  private reject(code: "already_exists" | "not_found" | "conflict", message: string): never {
    this.counters.estimatedRu += EstimatedRu.rejectedWrite;
    throw new StoreError(code, message);
  }
}

function rowKey(partitionKey: string, id: string): string {
  return `${partitionKey}\u0000${id}`;
}

function viewOf(row: Row): unknown {
  if (row.view === undefined) row.view = JSON.parse(row.json);
  return row.view;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** A token from another query or a tampered one is refused, as Cosmos DB answers 400. */
function decodeCursor(token: string, order: string): Cursor {
  let cursor: Partial<Cursor> | undefined;
  try {
    cursor = JSON.parse(Buffer.from(token, "base64url").toString()) as Partial<Cursor>;
  } catch {
    cursor = undefined;
  }
  if (cursor?.order !== order || !Number.isInteger(cursor.seq) || typeof cursor.hasValue !== "boolean") {
    throw new StoreError("unavailable", "the continuation token is malformed or belongs to another query (Cosmos DB answers 400)");
  }
  return { order, seq: cursor.seq as number, hasValue: cursor.hasValue, value: cursor.hasValue ? cursor.value : undefined };
}
