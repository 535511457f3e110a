import { type JobDoc, type JobSummary, type ListJobsQuery, PRIORITY_RANK, type Priority, summariseJob } from "../../contracts/index.js";
import type { QueryPage, StoreCondition, StorePort, StoreQuery } from "../../store/port.js";
import { decodeContinuation, encodeContinuation, fingerprintOf, invalidContinuation } from "./continuation-token.js";
import { pagedQuery } from "./paged-query.js";

export interface JobListPage {
  items: (JobSummary | JobDoc)[];
  continuation?: string;
}

/** Paging state inside a token: the priority bucket (for priority sorts) and the store's token. */
interface ListState {
  b: number;
  t?: string;
}

const BY_URGENCY: readonly Priority[] = (Object.keys(PRIORITY_RANK) as Priority[]).sort((a, b) => PRIORITY_RANK[b] - PRIORITY_RANK[a]);

/**
 * The operator's job list: filters and sorts that each compile to store conditions every adapter
 * runs (the contract suite proves them on the memory store and the Cosmos DB peer).
 *
 * Sorting by priority cannot be an ORDER BY (priorities are names, not ranks), so it runs one
 * query per priority, most urgent first for `-priority`, each newest first, and the continuation
 * token remembers which priority it is in.
 */
export class JobLister {
  constructor(private readonly store: StorePort) {}

  async list(productScope: string | undefined, query: ListJobsQuery): Promise<JobListPage> {
    const { limit, continuation, view, ...filters } = query;
    const fingerprint = fingerprintOf({ scope: productScope, view, ...filters });
    const state = continuation === undefined ? { b: 0 } : toState(decodeContinuation(continuation, fingerprint));
    const where = conditionsOf(productScope, query);
    const buckets = bucketsOf(query);
    if (state.b >= buckets.length) throw invalidContinuation();
    const docs: JobDoc[] = [];
    let next: ListState | undefined = state;
    while (next !== undefined && docs.length < limit) {
      const bucket: (typeof buckets)[number] = buckets[next.b]!;
      const page: QueryPage<JobDoc> = await pagedQuery(this.store, "jobs", {
        where: [...where, ...bucket.where],
        orderBy: bucket.orderBy,
        limit: limit - docs.length,
        ...(next.t === undefined ? {} : { continuation: next.t }),
      });
      docs.push(...page.items.map((item) => item.doc));
      if (page.continuation !== undefined) next = { b: next.b, t: page.continuation };
      else next = next.b + 1 < buckets.length ? { b: next.b + 1 } : undefined;
      // The store may end a page early with a continuation; hand that page back as it is.
      if (page.continuation !== undefined) break;
    }
    const items = view === "full" ? docs : docs.map(summariseJob);
    return { items, ...(next === undefined ? {} : { continuation: encodeContinuation(fingerprint, next) }) };
  }
}

function toState(value: unknown): ListState {
  const state = value as Partial<ListState> | null;
  if (state === null || typeof state !== "object" || !Number.isInteger(state.b) || (state.b as number) < 0 || (state.t !== undefined && typeof state.t !== "string")) {
    throw invalidContinuation();
  }
  return { b: state.b as number, ...(state.t === undefined ? {} : { t: state.t }) };
}

/** The queries a listing runs, in order: one, or one per priority for a priority sort. */
function bucketsOf(query: ListJobsQuery): { where: StoreCondition[]; orderBy: NonNullable<StoreQuery["orderBy"]> }[] {
  const descending = query.sort.startsWith("-");
  const field = descending ? query.sort.slice(1) : query.sort;
  if (field !== "priority") return [{ where: [], orderBy: { field, direction: descending ? "desc" : "asc" } }];
  const order = descending ? BY_URGENCY : [...BY_URGENCY].reverse();
  const wanted = query.priority === undefined ? order : order.filter((priority) => query.priority!.includes(priority));
  return wanted.map((priority) => ({ where: [{ field: "priority", op: "=", value: priority }], orderBy: { field: "createdAt", direction: "desc" } }));
}

function conditionsOf(productScope: string | undefined, query: ListJobsQuery): StoreCondition[] {
  const where: StoreCondition[] = [];
  if (productScope !== undefined) where.push({ field: "productId", op: "=", value: productScope });
  if (query.stage !== undefined) where.push({ field: "stage", op: "in", value: [...new Set(query.stage)] });
  if (query.priority !== undefined && !query.sort.endsWith("priority")) where.push({ field: "priority", op: "in", value: [...new Set(query.priority)] });
  for (const capability of new Set(query.capability ?? [])) where.push({ field: "capabilities", op: "array_contains", value: capability });
  if (query.pool !== undefined) {
    // Where it is now, or where it ran (runs), or the pool whose broker dead-lettered it.
    where.push({
      anyOf: [
        { field: "lease.pool", op: "=", value: query.pool },
        { field: "runs", op: "has_element", value: { pool: query.pool } },
        { field: "deadLetter.pool", op: "=", value: query.pool },
      ],
    });
  }
  if (query.keyPrefix !== undefined) where.push({ field: "idempotencyKey", op: "starts_with", value: query.keyPrefix });
  if (query.q !== undefined) where.push({ field: "title", op: "contains_ignore_case", value: query.q });
  if (query.submittedAfter !== undefined) where.push({ field: "createdAt", op: ">", value: query.submittedAfter });
  if (query.submittedBefore !== undefined) where.push({ field: "createdAt", op: "<", value: query.submittedBefore });
  return where;
}
