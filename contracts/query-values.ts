import { z } from "zod";

/**
 * Query-string values arrive as text (or a list of texts when a key repeats). These parse them
 * strictly: `z.coerce.boolean` would read "false" as true and `z.coerce.number` would let "abc"
 * through as NaN, so neither is used for a query parameter.
 */

/** "true", "false", "1" or "0"; anything else is refused, naming the parameter. */
export const QueryBoolean = z
  // Own message: zod lists "0" and "1" first (they are integer-like object keys).
  .enum(["true", "false", "1", "0"], { error: "must be one of true, false, 1, 0" })
  .transform((value) => value === "true" || value === "1");

/** A whole number written in decimal digits, then checked against its bounds. */
export function queryInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^-?\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** "a,b" or a repeated key (`?stage=a&stage=b`), as a list of items each checked by `item`. */
export function queryList<T extends z.ZodType<unknown, string>>(item: T, max = 32) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((part) => part.split(","))
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    )
    .pipe(z.array(item).min(1).max(max));
}

/** An ISO 8601 time with a zone ("2026-01-31T09:30:00Z", "...+01:00"), as epoch milliseconds. */
export const QueryTime = z.iso
  .datetime({ offset: true })
  .transform((value) => Date.parse(value))
  .meta({ description: "ISO 8601 time with a zone, e.g. 2026-01-31T09:30:00Z", example: "2026-01-31T09:30:00Z" });

/** A decimal number ("2", "-0.5"). */
export function queryNumber() {
  return z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, "must be a number")
    .transform(Number);
}
