import type { PartitionValue, ResourceBody } from "./cosmosdb-server-internals.js";

/**
 * One acknowledged change to the peer's state, as the journal and the snapshot record it.
 *
 * Puts carry the after-image: the stored body with the `_etag`, `_ts`, `_rid` and `_self` the
 * peer assigned, so a replay restores exactly what clients were told (an etag read before a
 * restart still matches after it). `ridCount` is the counter the package numbers the next `_rid`
 * of that level with; a replay never lowers it, so a new resource never reuses a `_rid`.
 * Applying an op is a pure state change: no new etag, no new timestamp.
 */
export type JournalOp =
  | { op: "put-database"; doc: ResourceBody; ridCount: number }
  | { op: "delete-database"; id: string }
  | { op: "put-container"; database: string; doc: ResourceBody; ridCount: number }
  | { op: "delete-container"; database: string; id: string }
  | { op: "put-document"; database: string; container: string; doc: ResourceBody; ridCount: number }
  | { op: "delete-document"; database: string; container: string; id: string; partition: PartitionValue };
