import { isAnyOf, type StoreCondition, type StoreFilter } from "../port.js";

/**
 * How Cosmos DB's SQL compares JSON values, for the memory store to filter and sort exactly like the
 * real service. A comparison involving an undefined field, or values of two different JSON types,
 * is `undefined` in Cosmos (not false), and a row matches only when its predicate is `true`; so
 * `stage != "x"` skips documents without `stage`, and `not_in` skips them too.
 */

export function valueAt(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** An OR group holds when one of its conditions does (none: it never holds). */
export function matchesCondition(doc: unknown, condition: StoreCondition): boolean {
  if (isAnyOf(condition)) return condition.anyOf.some((inner) => matchesCondition(doc, inner));
  return matchesFilter(doc, condition);
}

export function matchesFilter(doc: unknown, filter: StoreFilter): boolean {
  const value = valueAt(doc, filter.field);
  if (value === undefined) return false;
  switch (filter.op) {
    case "starts_with":
      return typeof value === "string" && value.startsWith(filter.value as string);
    case "contains_ignore_case":
      return typeof value === "string" && value.toLowerCase().includes((filter.value as string).toLowerCase());
    case "array_contains":
      return Array.isArray(value) && value.some((item) => comparable(item, filter.value) && item === filter.value);
    case "has_element": {
      // ARRAY_CONTAINS(array, object, true): some object element has every property given.
      const wanted = Object.entries(filter.value as Record<string, unknown>);
      return (
        Array.isArray(value) &&
        value.some(
          (item) =>
            item !== null && typeof item === "object" && !Array.isArray(item) && wanted.every(([key, expected]) => (item as Record<string, unknown>)[key] === expected),
        )
      );
    }
  }
  switch (filter.op) {
    case "in":
      return (filter.value as readonly unknown[]).some((item) => comparable(value, item) && value === item);
    case "not_in":
      // NOT (x IN list) is true only when every `x = item` is false (none undefined).
      return (filter.value as readonly unknown[]).every((item) => comparable(value, item) && value !== item);
  }
  const operand = filter.value;
  if (!comparable(value, operand)) return false;
  const a = value as string | number | boolean;
  const b = operand as string | number | boolean;
  switch (filter.op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/**
 * ORDER BY across types: undefined, null, booleans, numbers, strings, then arrays and objects
 * (which Cosmos does not order among themselves; they compare equal here). Documents lacking the
 * field are included and sort first ascending, as on Cosmos DB since 2022.
 */
export function compareForOrder(a: unknown, b: unknown): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (typeof a === "number" || typeof a === "string" || typeof a === "boolean") {
    const other = b as typeof a;
    return a < other ? -1 : a > other ? 1 : 0;
  }
  return 0;
}

/** Same JSON type and a primitive: the only pairs a Cosmos comparison gives true or false for. */
function comparable(value: unknown, operand: unknown): boolean {
  return typeRank(value) === typeRank(operand) && (value === null || typeof value !== "object");
}

function typeRank(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null) return 1;
  switch (typeof value) {
    case "boolean":
      return 2;
    case "number":
      return 3;
    case "string":
      return 4;
  }
  return Array.isArray(value) ? 5 : 6;
}
