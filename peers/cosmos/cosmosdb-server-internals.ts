import { createRequire } from "node:module";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The slice of `@vercel/cosmosdb-server` the peer builds on, typed by hand and kept in one file so
 * every access to the package's internals is here.
 *
 * The package keeps its whole state in one `Account` object: `account.databases` holds each
 * database, whose `collections` hold each container, whose `documents` hold the documents. Each
 * level is an `Items` store: `_data` maps `_rid` to an item, `_index` maps id (and unique keys) to
 * `_rid`, `_ridCount` numbers the next `_rid`. Every write goes through `create`, `replace`,
 * `upsert` or `delete` of one of those stores (batches, bulk and patch included); those four
 * methods are where the journal hooks in (peers/cosmos/mutation-hooks.ts).
 *
 * The package's `createHttpServer()` creates its account privately; the peer creates the account
 * itself and dispatches requests through the package's own route table and handlers
 * (peers/cosmos/request-handler.ts), so restored state and live requests share one account.
 */

/** A stored resource as the package keeps it: the body plus the system properties it assigns. */
export interface ResourceBody {
  id: string;
  _rid: string;
  _self: string;
  _etag: string;
  _ts: number;
  [property: string]: unknown;
}

/** What a partition key value can be in this package (it keys its index with the raw value). */
export type PartitionValue = string | number | boolean | null | undefined;

export interface PackageItem {
  /** The stored body, or undefined for a placeholder returned by a lookup that found nothing. */
  read(): ResourceBody | undefined;
}

export interface PackageItems<I extends PackageItem = PackageItem> {
  _data: Map<string, I>;
  _ridCount: number;
  create(data: Record<string, unknown>): ResourceBody;
  replace(data: Record<string, unknown>, original: Record<string, unknown>): ResourceBody;
  upsert(data: Record<string, unknown>): ResourceBody;
  delete(idOrRid: string, partition: PartitionValue): void;
  _item(keyPath: string, value: unknown, partition: PartitionValue): I;
  _newItem(data?: ResourceBody): I;
  _set(data: ResourceBody): ResourceBody;
  _getPartition(data: Record<string, unknown>): PartitionValue;
}

export interface PackageCollection extends PackageItem {
  documents: PackageItems;
}

export interface PackageDatabase extends PackageItem {
  collections: PackageItems<PackageCollection>;
  collection(idOrRid: string): PackageCollection;
}

export interface PackageAccount extends PackageItem {
  databases: PackageItems<PackageDatabase>;
  database(idOrRid: string): PackageDatabase;
}

/** A route handler: sets `res.statusCode` (and maybe headers) and returns the JSON body to send. */
export type RouteHandler = (account: PackageAccount, req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => unknown;

const require = createRequire(import.meta.url);

const AccountClass = (require("@vercel/cosmosdb-server/lib/account") as { default: new (host: string, port: number) => PackageAccount }).default;
const route = (require("@vercel/cosmosdb-server/lib/routes") as { default: (req: IncomingMessage) => [Record<string, string>, RouteHandler] | undefined })
  .default;

/** What the package's bulk handler does with one operation of a bulk call. */
export interface BulkOperationResult {
  statusCode: number;
  body?: ResourceBody | Record<string, unknown>;
}

const documentOperations = require("@vercel/cosmosdb-server/lib/handler/_document-operations") as Record<
  "createOperation" | "upsertOperation" | "readOperation" | "deleteOperation" | "replaceOperation",
  (collection: PackageCollection, input: Record<string, unknown>) => BulkOperationResult
>;

const BULK_OPERATIONS: Readonly<Record<string, keyof typeof documentOperations>> = {
  Create: "createOperation",
  Upsert: "upsertOperation",
  Read: "readOperation",
  Delete: "deleteOperation",
  Replace: "replaceOperation",
};

/** Applies one operation of a bulk call as the package's bulk handler does (its own functions);
 * undefined for an operation type the package does not support in bulk. */
export function applyBulkOperation(collection: PackageCollection, input: Record<string, unknown>): BulkOperationResult | undefined {
  const name = BULK_OPERATIONS[String(input.operationType)];
  return name === undefined ? undefined : documentOperations[name](collection, input);
}

/** A fresh, empty account; `host` and `port` only appear in the account metadata (`GET /`). */
export function createPackageAccount(host: string, port: number): PackageAccount {
  return new AccountClass(host, port);
}

/** The package's handler for a request, or undefined when no route matches. */
export function routeOf(req: IncomingMessage): { params: Record<string, string>; handler: RouteHandler } | undefined {
  const found = route(req);
  return found === undefined ? undefined : { params: found[0], handler: found[1] };
}
