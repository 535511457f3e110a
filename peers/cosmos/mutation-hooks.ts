import type { PackageAccount, PackageCollection, PackageDatabase, PackageItem, PackageItems, ResourceBody } from "./cosmosdb-server-internals.js";
import type { JournalOp } from "./journal-op.js";

/**
 * Reports every change to the account's state to `record`, synchronously, as it is applied.
 *
 * It wraps `create`, `replace`, `upsert` and `delete` of each store of the account (the databases,
 * each database's containers, each container's documents), on the instances, not the package's
 * classes, so other accounts in the process are untouched. The package's writes call each other
 * (`upsert` calls `replace` or `create`, `replace` calls `delete` and then stores the new body), so
 * only the outermost call of a store reports, once, with its outcome: one op per logical write,
 * never a delete followed by a put that a torn journal could split. A call that throws reports
 * nothing. Install it after restoring state: it wraps what exists, and new databases and
 * containers as the package creates them.
 */
export function watchAccount(account: PackageAccount, record: (op: JournalOp) => void): void {
  const watchDocuments = (documents: PackageItems, database: string, container: string) =>
    watchItems(documents, {
      put: (doc) => record({ op: "put-document", database, container, doc, ridCount: documents._ridCount }),
      deleted: (doc) => record({ op: "delete-document", database, container, id: doc.id, partition: documents._getPartition(doc) }),
    });

  const watchContainers = (containers: PackageItems<PackageCollection>, database: string) => {
    watchItems(containers, {
      put: (doc) => record({ op: "put-container", database, doc, ridCount: containers._ridCount }),
      deleted: (doc) => record({ op: "delete-container", database, id: doc.id }),
    });
    onNewItem(containers, (collection, doc) => watchDocuments(collection.documents, database, doc.id));
    for (const collection of containers._data.values()) {
      const doc = collection.read();
      if (doc !== undefined) watchDocuments(collection.documents, database, doc.id);
    }
  };

  watchItems(account.databases, {
    put: (doc) => record({ op: "put-database", doc, ridCount: account.databases._ridCount }),
    deleted: (doc) => record({ op: "delete-database", id: doc.id }),
  });
  onNewItem(account.databases, (database: PackageDatabase, doc) => watchContainers(database.collections, doc.id));
  for (const database of account.databases._data.values()) {
    const doc = database.read();
    if (doc !== undefined) watchContainers(database.collections, doc.id);
  }
}

interface ItemsListener {
  put(doc: ResourceBody): void;
  deleted(doc: ResourceBody): void;
}

function watchItems<I extends PackageItem>(items: PackageItems<I>, listener: ItemsListener): void {
  let depth = 0;
  const outermost = <T>(call: () => T, after: (result: T) => void): T => {
    depth++;
    let result: T;
    try {
      result = call();
    } finally {
      depth--;
    }
    if (depth === 0) after(result);
    return result;
  };
  const { create, replace, upsert, delete: remove } = items;
  items.create = (data) => outermost(() => create.call(items, data), listener.put);
  items.replace = (data, original) => outermost(() => replace.call(items, data, original), listener.put);
  items.upsert = (data) => outermost(() => upsert.call(items, data), listener.put);
  items.delete = (idOrRid, partition) => {
    // The package deletes by id or _rid; the op names the id, read before it is gone.
    const doc = items._item("/id", idOrRid, partition).read();
    outermost(
      () => remove.call(items, idOrRid, partition),
      () => {
        if (doc !== undefined) listener.deleted(doc);
      },
    );
  };
}

/** Calls `watch` for each stored item the package creates in `items` (not for lookup placeholders). */
function onNewItem<I extends PackageItem>(items: PackageItems<I>, watch: (item: I, doc: ResourceBody) => void): void {
  const newItem = items._newItem;
  items._newItem = (data) => {
    const item = newItem.call(items, data);
    if (data !== undefined) watch(item, data);
    return item;
  };
}
