import { z } from "zod";

/** API responses give times as ISO 8601 UTC strings; documents keep epoch milliseconds. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export const IsoTime = z.iso.datetime().meta({ description: "ISO 8601 time, UTC", example: "2026-01-31T09:30:00.000Z" });

