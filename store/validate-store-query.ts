import { type FilterScalar, isAnyOf, type StoreCondition, type StoreFilter, type StoreQuery } from "./port.js";

export type { FilterScalar };

/** Field paths are plain dot paths; anything else could smuggle SQL into a compiled query. */
export const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Nested OR groups deeper than this are a programming error, not a query. */
const MAX_DEPTH = 4;

const LIST_OPS = new Set(["in", "not_in"]);
const TEXT_OPS = new Set(["starts_with", "contains_ignore_case"]);

/**
 * Rejects a malformed StoreQuery the same way in every adapter, before it reaches a store: these
 * are programming errors (a bad path, a list given to `=`, a mixed-type `in` list), not store
 * conditions, so they throw a plain Error rather than a StoreError.
 */
export function validateStoreQuery(query: Pick<StoreQuery, "where" | "orderBy" | "limit">): void {
  for (const condition of query.where ?? []) validateCondition(condition, 0);
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

function validateCondition(condition: StoreCondition, depth: number): void {
  if (!isAnyOf(condition)) {
    validateFilter(condition);
    return;
  }
  if (depth >= MAX_DEPTH) throw new Error(`anyOf groups nest at most ${MAX_DEPTH} deep`);
  for (const inner of condition.anyOf) validateCondition(inner, depth + 1);
}

function validateFilter(filter: StoreFilter): void {
  validateFieldPath(filter.field);
  if (filter.op === "has_element") {
    if (!isRecord(filter.value)) throw new Error(`filter '${filter.field} has_element' takes an object of scalar properties`);
    const entries = Object.entries(filter.value);
    if (entries.length === 0) throw new Error(`filter '${filter.field} has_element' needs at least one property`);
    for (const [key, value] of entries) {
      validateFieldPath(key);
      validateScalar(filter.field, value);
    }
    return;
  }
  if (isRecord(filter.value)) throw new Error(`filter '${filter.field} ${filter.op}' takes ${LIST_OPS.has(filter.op) ? "a list of values" : "a single value"}`);
  const listOp = LIST_OPS.has(filter.op);
  if (listOp !== isList(filter.value)) {
    throw new Error(`filter '${filter.field} ${filter.op}' takes ${listOp ? "a list of values" : "a single value"}`);
  }
  if (TEXT_OPS.has(filter.op) && typeof filter.value !== "string") throw new Error(`filter '${filter.field} ${filter.op}' takes a string`);
  const values: readonly unknown[] = isList(filter.value) ? filter.value : [filter.value];
  for (const value of values) {
    validateScalar(filter.field, value);
    if (typeof value !== typeof values[0]) throw new Error(`filter '${filter.field} ${filter.op}' mixes value types; use one type per list`);
  }
}

function validateScalar(field: string, value: unknown): void {
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`filter '${field}' compares with ${value}, which JSON cannot hold`);
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new Error(`filter '${field}' compares with a ${typeof value}; use a string, number or boolean`);
}

function isList(value: StoreFilter["value"]): value is readonly FilterScalar[] {
  return Array.isArray(value);
}

function isRecord(value: StoreFilter["value"]): value is Readonly<Record<string, FilterScalar>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
