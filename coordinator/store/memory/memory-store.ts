import {
  type Collection,
  type DocOf,
  emptyStoreStats,
  type FilterOp,
  partitionKeyOf,
  type QueryPage,
  type StoreFilter,
  StoreError,
  type StorePort,
  type StoreQuery,
  type StoreStats,
  type Stored,
} from "../port.js";

interface Row {
  json: string;
  etag: string;
  pk: string;
}

/**
 * The in-memory store: the same contract as Cosmos DB (etag compare-and-swap, not_found,
 * already_exists, paged queries), for unit tests, the simulator and benchmarks. Documents are kept
 * as JSON text, so nothing a caller holds can alias stored state, and sizes for the RU model come
 * for free.
 */
export class MemoryStore implements StorePort {
  private readonly collections = new Map<Collection, Map<string, Row>>();
  private readonly stats_: StoreStats = emptyStoreStats();
  private etagCounter = 0;

  async init(): Promise<void> {}

  async get<C extends Collection>(collection: C, id: string, partitionKey: string): Promise<Stored<DocOf<C>> | undefined> {
    this.stats_.ops.read++;
    const row = this.rows(collection).get(key(partitionKey, id));
    this.stats_.estimatedRu += row === undefined ? 1 : readRu(row.json);
    return row === undefined ? undefined : { doc: JSON.parse(row.json) as DocOf<C>, etag: row.etag };
  }

  async create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.stats_.ops.create++;
    const pk = partitionKeyOf(collection, doc);
    const rows = this.rows(collection);
    const k = key(pk, idOf(doc));
    if (rows.has(k)) throw new StoreError("already_exists", `${collection}/${idOf(doc)} already exists`);
    return this.put(rows, k, pk, doc);
  }

  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    this.stats_.ops.replace++;
    const pk = partitionKeyOf(collection, doc);
    const rows = this.rows(collection);
    const k = key(pk, idOf(doc));
    const current = rows.get(k);
    if (current === undefined) throw new StoreError("not_found", `${collection}/${idOf(doc)} does not exist`);
    if (current.etag !== ifMatch) {
      this.stats_.conflicts++;
      throw new StoreError("conflict", `${collection}/${idOf(doc)} changed since it was read (etag mismatch)`);
    }
    return this.put(rows, k, pk, doc);
  }

  async upsert<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.stats_.ops.upsert++;
    const pk = partitionKeyOf(collection, doc);
    return this.put(this.rows(collection), key(pk, idOf(doc)), pk, doc);
  }

  async delete(collection: Collection, id: string, partitionKey: string): Promise<void> {
    this.stats_.ops.delete++;
    const rows = this.rows(collection);
    if (!rows.delete(key(partitionKey, id))) throw new StoreError("not_found", `${collection}/${id} does not exist`);
    this.stats_.estimatedRu += 5;
  }

  async query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
    this.stats_.ops.query++;
    this.stats_.estimatedRu += 2.5;
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const where = query.where ?? [];
    const parseIfMatching = (row: Row): unknown => {
      if (query.partitionKey !== undefined && row.pk !== query.partitionKey) return undefined;
      const doc: unknown = JSON.parse(row.json);
      return where.every((filter) => matchesFilter(doc, filter)) ? doc : undefined;
    };
    const rows = [...this.rows(collection).values()];
    if (query.orderBy === undefined) {
      // Unordered: the continuation is the scan position, so paging is linear overall.
      let position = query.continuation === undefined ? 0 : decodeContinuation(query.continuation);
      const items: Stored<DocOf<C>>[] = [];
      while (position < rows.length && items.length < limit) {
        const row = rows[position++]!;
        const doc = parseIfMatching(row);
        if (doc !== undefined) items.push({ doc: doc as DocOf<C>, etag: row.etag });
      }
      return position < rows.length ? { items, continuation: encodeContinuation(position) } : { items };
    }
    const { field, direction } = query.orderBy;
    const sign = direction === "asc" ? 1 : -1;
    const sorted: { doc: unknown; etag: string }[] = [];
    for (const row of rows) {
      const doc = parseIfMatching(row);
      if (doc !== undefined) sorted.push({ doc, etag: row.etag });
    }
    sorted.sort((a, b) => sign * compare(valueAt(a.doc, field), valueAt(b.doc, field)) || (idOf(a.doc) < idOf(b.doc) ? -1 : 1));
    const offset = query.continuation === undefined ? 0 : decodeContinuation(query.continuation);
    const items = sorted.slice(offset, offset + (query.limit ?? sorted.length)) as Stored<DocOf<C>>[];
    const next = offset + items.length;
    return next < sorted.length ? { items, continuation: encodeContinuation(next) } : { items };
  }

  stats(): StoreStats {
    return structuredClone(this.stats_);
  }

  async close(): Promise<void> {}

  private rows(collection: Collection): Map<string, Row> {
    let rows = this.collections.get(collection);
    if (rows === undefined) {
      rows = new Map();
      this.collections.set(collection, rows);
    }
    return rows;
  }

  private put<T>(rows: Map<string, Row>, k: string, pk: string, doc: T): Stored<T> {
    const json = JSON.stringify(doc);
    const etag = `"m${++this.etagCounter}"`;
    rows.set(k, { json, etag, pk });
    this.stats_.estimatedRu += writeRu(json);
    return { doc: JSON.parse(json) as T, etag };
  }
}

function key(partitionKey: string, id: string): string {
  return `${partitionKey}\u0000${id}`;
}

function idOf(doc: unknown): string {
  return (doc as { id: string }).id;
}

/** 1 RU per started KB read, 5 RU per started KB written (the published point-operation model). */
function readRu(json: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(json) / 1024));
}

function writeRu(json: string): number {
  return 5 * Math.max(1, Math.ceil(Buffer.byteLength(json) / 1024));
}

function encodeContinuation(position: number): string {
  return Buffer.from(String(position)).toString("base64url");
}

function decodeContinuation(token: string): number {
  const value = Number(Buffer.from(token, "base64url").toString());
  if (!Number.isInteger(value) || value < 0) throw new StoreError("unavailable", "invalid continuation token");
  return value;
}

export function valueAt(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

/** Cosmos semantics: a comparison with an undefined field is false (the document does not match). */
export function matchesFilter(doc: unknown, filter: StoreFilter): boolean {
  const value = valueAt(doc, filter.field);
  const op: FilterOp = filter.op;
  if (op === "in" || op === "not_in") {
    const list = filter.value as readonly unknown[];
    if (value === undefined) return false;
    return op === "in" ? list.includes(value) : !list.includes(value);
  }
  if (value === undefined) return false;
  switch (op) {
    case "=":
      return value === filter.value;
    case "!=":
      return value !== filter.value;
    case "<":
      return (value as number) < (filter.value as number);
    case "<=":
      return (value as number) <= (filter.value as number);
    case ">":
      return (value as number) > (filter.value as number);
    case ">=":
      return (value as number) >= (filter.value as number);
  }
}
