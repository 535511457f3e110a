import type { SqlQuerySpec } from "@azure/cosmos";
import { isAnyOf, type StoreCondition, type StoreCountQuery, type StoreFilter, type StoreQuery } from "../port.js";
import { type FilterScalar, filterValueType, validateFieldPath, validateStoreQuery } from "../validate-store-query.js";

/** Cosmos SQL type checks per filter value type, for the guards below. */
const TYPE_CHECK = { string: "IS_STRING", number: "IS_NUMBER", boolean: "IS_BOOL" } as const;

/**
 * Compiles a StoreQuery into parameterised Cosmos SQL, e.g.
 * `SELECT * FROM c WHERE c.stage IN (@p0, @p1) AND c.lease.pool = @p2 ORDER BY c.queuedAt ASC`.
 * Field paths are validated against a strict dot-path pattern and every value is a parameter, so
 * nothing a caller passes can inject SQL.
 */
export function compileQuery(query: StoreQuery): SqlQuerySpec {
  validateStoreQuery(query);
  const { where, parameters } = compileWhere(query.where ?? []);
  let text = `SELECT * FROM c${where}`;
  if (query.orderBy !== undefined) text += ` ORDER BY ${path(query.orderBy.field)} ${query.orderBy.direction === "asc" ? "ASC" : "DESC"}`;
  return { query: text, parameters };
}

/** `SELECT VALUE COUNT(1) FROM c WHERE ...`: one aggregate, no documents read. */
export function compileCount(query: StoreCountQuery): SqlQuerySpec {
  validateStoreQuery(query);
  const { where, parameters } = compileWhere(query.where ?? []);
  return { query: `SELECT VALUE COUNT(1) FROM c${where}`, parameters };
}

type Parameter = { name: string; value: FilterScalar | Readonly<Record<string, FilterScalar>> };

function compileWhere(conditions: readonly StoreCondition[]): { where: string; parameters: Parameter[] } {
  const parameters: Parameter[] = [];
  const param = (value: Parameter["value"]): string => {
    const name = `@p${parameters.length}`;
    parameters.push({ name, value });
    return name;
  };
  const clauses = conditions.map((condition) => conditionClause(condition, param));
  return { where: clauses.length === 0 ? "" : ` WHERE ${clauses.join(" AND ")}`, parameters };
}

function conditionClause(condition: StoreCondition, param: (value: Parameter["value"]) => string): string {
  if (!isAnyOf(condition)) return clause(condition, param);
  if (condition.anyOf.length === 0) return "false";
  return `(${condition.anyOf.map((inner) => conditionClause(inner, param)).join(" OR ")})`;
}

/**
 * `!=` and `not_in` carry a type guard. On Cosmos DB a comparison across JSON types (or with an
 * undefined field) is undefined and the row is skipped, so the guard changes nothing there; the
 * local peer instead treats `"a" != 1` and `NOT (undefined IN (...))` as true, and the guard makes
 * it answer as Cosmos DB does.
 */
function clause(filter: StoreFilter, param: (value: Parameter["value"]) => string): string {
  const field = path(filter.field);
  switch (filter.op) {
    case "starts_with":
      return `STARTSWITH(${field}, ${param(filter.value as string)})`;
    case "contains_ignore_case":
      // LOWER on both sides rather than CONTAINS(x, y, true): the same result on Cosmos DB, and the
      // local peer implements only the two-argument CONTAINS, so one statement runs on both.
      return `CONTAINS(LOWER(${field}), ${param((filter.value as string).toLowerCase())})`;
    case "array_contains":
      return `ARRAY_CONTAINS(${field}, ${param(filter.value as FilterScalar)})`;
    case "has_element":
      return `ARRAY_CONTAINS(${field}, ${param(filter.value as Readonly<Record<string, FilterScalar>>)}, true)`;
  }
  const type = filterValueType(filter);
  switch (filter.op) {
    case "in": {
      const values = filter.value as readonly FilterScalar[];
      return values.length === 0 ? "false" : `${field} IN (${values.map(param).join(", ")})`;
    }
    case "not_in": {
      const values = filter.value as readonly FilterScalar[];
      if (values.length === 0 || type === undefined) return `IS_DEFINED(${field})`;
      return `(${TYPE_CHECK[type]}(${field}) AND NOT (${field} IN (${values.map(param).join(", ")})))`;
    }
    case "!=":
      return `(${TYPE_CHECK[type as keyof typeof TYPE_CHECK]}(${field}) AND ${field} != ${param(filter.value as FilterScalar)})`;
    default:
      return `${field} ${filter.op} ${param(filter.value as FilterScalar)}`;
  }
}

/** Cosmos SQL keywords cannot follow a dot (`c.data.value` is a syntax error). */
const KEYWORDS = new Set(
  ("and array as asc between by case cast convert cross desc distinct else end escape exists false for from group having in " +
    "inner insert into is join left like limit not null offset on or order outer over right select set then top true udf " +
    "undefined update value when where with")
    .split(" "),
);

/** `lease.pool` becomes `c.lease.pool`; a keyword segment is quoted: `data.value` becomes `c.data["value"]`
 * (safe: the path was validated as identifiers). */
function path(field: string): string {
  validateFieldPath(field);
  return `c${field
    .split(".")
    .map((part) => (KEYWORDS.has(part.toLowerCase()) ? `["${part}"]` : `.${part}`))
    .join("")}`;
}
