import type { PackageAccount, PackageItem, PackageItems, PartitionValue, ResourceBody } from "./cosmosdb-server-internals.js";
import type { JournalOp } from "./journal-op.js";

/**
 * Applies one journalled op to the account, restoring the after-image as it was acknowledged
 * (same `_etag`, `_ts`, `_rid`, `_self`). Strict on purpose: an op that does not fit the state it
 * lands on (a document for a container that does not exist, a delete of something absent) means
 * the files on disk do not describe one history, and replaying on would serve a state no client
 * ever saw. It throws instead; the caller names the file and offset.
 */
export function applyOp(account: PackageAccount, op: JournalOp): void {
  switch (op.op) {
    case "put-database":
      put(account.databases, op.doc, op.ridCount);
      break;
    case "delete-database":
      remove(account.databases, op.id, op.id, `database '${op.id}'`);
      break;
    case "put-container":
      put(databaseOf(account, op.database).collections, op.doc, op.ridCount);
      break;
    case "delete-container":
      remove(databaseOf(account, op.database).collections, op.id, op.id, `container '${op.database}/${op.id}'`);
      break;
    case "put-document":
      put(containerOf(account, op.database, op.container).documents, op.doc, op.ridCount);
      break;
    case "delete-document":
      remove(containerOf(account, op.database, op.container).documents, op.id, op.partition, `document '${op.database}/${op.container}/${op.id}'`);
      break;
  }
}

/** The account's whole state as puts, parents before children, in the package's storage order
 * (which is the order unordered queries return). Applying them to an empty account rebuilds it. */
export function* stateAsOps(account: PackageAccount): Generator<JournalOp> {
  const databases = account.databases;
  for (const database of databases._data.values()) {
    const databaseDoc = stored(database);
    yield { op: "put-database", doc: databaseDoc, ridCount: databases._ridCount };
    const containers = database.collections;
    for (const container of containers._data.values()) {
      const containerDoc = stored(container);
      yield { op: "put-container", database: databaseDoc.id, doc: containerDoc, ridCount: containers._ridCount };
      const documents = container.documents;
      for (const document of documents._data.values()) {
        yield { op: "put-document", database: databaseDoc.id, container: containerDoc.id, doc: stored(document), ridCount: documents._ridCount };
      }
    }
  }
}

function put<I extends PackageItem>(items: PackageItems<I>, doc: ResourceBody, ridCount: number): void {
  const partition = items._getPartition(doc);
  const existing = items._item("/id", doc.id, partition).read();
  // A put over an existing resource is how a replace or upsert was applied live: the package
  // drops the old body (and, for a container, its documents) and stores the new one.
  if (existing !== undefined) items.delete(existing.id, items._getPartition(existing));
  items._set(doc);
  items._ridCount = Math.max(items._ridCount, ridCount);
}

function remove<I extends PackageItem>(items: PackageItems<I>, id: string, partition: PartitionValue, what: string): void {
  if (items._item("/id", id, partition).read() === undefined) throw new Error(`it deletes ${what}, which does not exist at that point`);
  items.delete(id, partition);
}

function databaseOf(account: PackageAccount, id: string) {
  const database = account.database(id);
  if (database.read() === undefined) throw new Error(`it refers to database '${id}', which does not exist at that point`);
  return database;
}

function containerOf(account: PackageAccount, database: string, id: string) {
  const container = databaseOf(account, database).collection(id);
  if (container.read() === undefined) throw new Error(`it refers to container '${database}/${id}', which does not exist at that point`);
  return container;
}

function stored(item: PackageItem): ResourceBody {
  const doc = item.read();
  if (doc === undefined) throw new Error("the Cosmos peer's state holds an empty item; this is a bug in the peer");
  return doc;
}
