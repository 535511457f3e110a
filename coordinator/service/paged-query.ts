import { type Collection, type DocOf, isStoreError, type QueryPage, type StorePort, type StoreQuery } from "../../store/port.js";
import { invalidContinuation } from "./continuation-token.js";

/**
 * One page of a store query resumed from a store token that came back from a client. When the
 * store refuses the call, the same query is tried once without the token: if that works, the store
 * refused the token (Cosmos DB answers 400 to a foreign or forged one; the port has no code for
 * it), which is the client's error (400), not an outage (503). Throttling and timeouts are the
 * store's condition and pass through untouched.
 */
export async function pagedQuery<C extends Collection>(store: StorePort, collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
  try {
    return await store.query(collection, query);
  } catch (error) {
    if (query.continuation === undefined || !isStoreError(error) || error.code === "throttled" || error.code === "timeout") throw error;
    const { continuation: _refused, ...fresh } = query;
    try {
      await store.query(collection, { ...fresh, limit: 1 });
    } catch {
      throw error;
    }
    throw invalidContinuation();
  }
}
