import { usageError } from "./exit-codes.js";

/** An ISO 8601 time, or a time relative to now: "30m", "2h", "7d" (that long ago). */
export function parseTimeArgument(value: string, option: string, now: number): string {
  const relative = /^(\d+)(s|m|h|d)$/.exec(value);
  if (relative !== null) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(relative[1]) * unit).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) {
    const parsed = new Date(value);
    return parsed.toISOString();
  }
  throw usageError(`${option} '${value}' is neither an ISO 8601 time nor a duration ago`, "use e.g. 2026-01-31T09:00:00Z, 30m, 2h or 7d");
}

export function positiveInteger(value: string, option: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw usageError(`${option} must be a whole number from 1 to ${max}, not '${value}'`);
  return Number(value);
}

export function positiveNumber(value: string, option: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) throw usageError(`${option} must be a number above 0, not '${value}'`);
  return number;
}
