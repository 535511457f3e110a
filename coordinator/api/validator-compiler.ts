import type { FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import { describeZodIssues, FleetError, type InputPart } from "../../contracts/index.js";

/**
 * Validates every request part with its zod schema and, on failure, throws the product's own
 * VALIDATION error: each field named and described in our words (contracts/validation-message.ts),
 * never zod's. Parsing with `reportInput` lets a missing field read "is required".
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = parseInput(schema, data, (httpPart ?? "body") as InputPart);
    return "error" in result ? { error: result.error } : { value: result.value };
  };

/** One request part parsed with its schema, or the VALIDATION error that names every bad field. */
export function parseInput<T>(schema: z.ZodType<T>, data: unknown, part: InputPart): { value: T } | { error: FleetError } {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { value: result.data };
  const fields = describeZodIssues(result.error.issues, part);
  const label = part === "querystring" ? "query" : part === "params" ? "path" : part;
  return { error: new FleetError("VALIDATION", `invalid ${label}: ${fields.map((f) => f.message).join("; ")}`, { fields }) };
}
