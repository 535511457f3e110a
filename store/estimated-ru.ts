/**
 * The request-unit model every adapter counts by, so figures from the memory store (benchmarks,
 * simulation) and from Cosmos DB (where the local peer reports no real charge) compare directly.
 * It is the published rule of thumb for point operations on Azure Cosmos DB: about 1 RU per
 * started KB read and 5 RU per started KB written; a query page is priced at a flat 2.5 RU.
 * Sizes are `JSON.stringify(doc).length` of the document without system properties, taken from
 * the serialisation the write already makes where there is one (the memory store's stored text,
 * the Cosmos SDK's body of a point write); `jsonLengthOf` measures it otherwise.
 */
export const EstimatedRu = {
  /** A point read that found the document. */
  read(jsonLength: number): number {
    return startedKb(jsonLength);
  },
  /** A point read that found nothing still costs the minimum charge. */
  readMissing: 1,
  /** A create, replace or upsert that was applied. */
  write(jsonLength: number): number {
    return 5 * startedKb(jsonLength);
  },
  /** A delete: the size of the removed document is not known to the caller, so a 1 KB write. */
  delete: 5,
  /** A write the server refused before applying it (412 stale etag, 409 duplicate, 404 missing). */
  rejectedWrite: 1,
  /** One page of a query, whatever it returned. */
  queryPage: 2.5,
} as const;

export function jsonLengthOf(doc: unknown): number {
  return JSON.stringify(doc).length;
}

function startedKb(jsonLength: number): number {
  return Math.max(1, Math.ceil(jsonLength / 1024));
}
