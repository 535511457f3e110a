import { z } from "zod";

/** A point in time as a caller may write it: milliseconds since the Unix epoch, or an ISO 8601
 * date-time with an offset ("2026-01-01T09:00:00Z", "2026-01-01T10:00:00+01:00"). Always
 * stored and returned as milliseconds. */
export const Instant = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
]);
