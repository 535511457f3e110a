import type { StoreFilter, StoreQuery } from "./port.js";

/** Field paths are plain dot paths; anything else could smuggle SQL into a compiled query. */
export const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export type FilterScalar = string | number | boolean;

/**
 * Rejects a malformed StoreQuery the same way in every adapter, before it reaches a store: these
 * are programming errors (a bad path, a list given to `=`, a mixed-type `in` list), not store
 * conditions, so they throw a plain Error rather than a StoreError.
 */
export function validateStoreQuery(query: StoreQuery): void {
  for (const filter of query.where ?? []) validateFilter(filter);
  if (query.orderBy !== undefined) validateFieldPath(query.orderBy.field);
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 1)) {
    throw new Error(`query limit must be a positive integer, not ${query.limit}`);
  }
}

export function validateFieldPath(path: string): void {
  if (!FIELD_PATH.test(path)) throw new Error(`invalid field path '${path}': use dot-separated identifiers such as 'lease.pool'`);
}

/** The scalar type a filter compares against (for `in`/`not_in`, the one type of every list item). */
export function filterValueType(filter: StoreFilter): "string" | "number" | "boolean" | undefined {
  const values: readonly unknown[] = isList(filter.value) ? filter.value : [filter.value];
  return values.length === 0 ? undefined : (typeof values[0] as "string" | "number" | "boolean");
}

function validateFilter(filter: StoreFilter): void {
  validateFieldPath(filter.field);
  const listOp = filter.op === "in" || filter.op === "not_in";
  if (listOp !== isList(filter.value)) {
    throw new Error(`filter '${filter.field} ${filter.op}' takes ${listOp ? "a list of values" : "a single value"}`);
  }
  const values: readonly unknown[] = isList(filter.value) ? filter.value : [filter.value];
  for (const value of values) {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`filter '${filter.field}' compares with ${value}, which JSON cannot hold`);
    if (typeof value !== typeof values[0]) throw new Error(`filter '${filter.field} ${filter.op}' mixes value types; use one type per list`);
  }
}

function isList(value: StoreFilter["value"]): value is readonly FilterScalar[] {
  return Array.isArray(value);
}
