import type { SqlQuerySpec } from "@azure/cosmos";
import type { StoreFilter, StoreQuery } from "../port.js";

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Compiles a StoreQuery into parameterised Cosmos SQL. Field paths are validated (never
 * interpolated unchecked) and every value is a parameter, so nothing can inject SQL. */
export function compileQuery(query: StoreQuery): SqlQuerySpec {
  const parameters: { name: string; value: string | number | boolean }[] = [];
  const param = (value: string | number | boolean): string => {
    const name = `@p${parameters.length}`;
    parameters.push({ name, value });
    return name;
  };
  const clauses = (query.where ?? []).map((filter) => clause(filter, param));
  let text = "SELECT * FROM c";
  if (clauses.length > 0) text += ` WHERE ${clauses.join(" AND ")}`;
  if (query.orderBy !== undefined) text += ` ORDER BY ${field(query.orderBy.field)} ${query.orderBy.direction === "asc" ? "ASC" : "DESC"}`;
  return { query: text, parameters };
}

function clause(filter: StoreFilter, param: (value: string | number | boolean) => string): string {
  const path = field(filter.field);
  if (filter.op === "in" || filter.op === "not_in") {
    const values = filter.value as readonly (string | number | boolean)[];
    if (values.length === 0) return filter.op === "in" ? "false" : `IS_DEFINED(${path})`;
    const list = `(${values.map(param).join(", ")})`;
    return filter.op === "in" ? `${path} IN ${list}` : `(IS_DEFINED(${path}) AND NOT (${path} IN ${list}))`;
  }
  if (Array.isArray(filter.value)) throw new Error(`filter ${filter.field} ${filter.op} takes one value, not a list`);
  return `${path} ${filter.op} ${param(filter.value as string | number | boolean)}`;
}

function field(path: string): string {
  if (!FIELD_PATH.test(path)) throw new Error(`invalid field path '${path}'`);
  return `c.${path}`;
}
