import { FleetError } from "../../contracts/index.js";
import type { Collection, DocOf, StorePort } from "../../store/port.js";
import { type LeaderGate, notLeaderMessage } from "../../coordinator/leadership/leader-gate.js";
import { stampLeaderEpoch } from "../../coordinator/leadership/leader-stamp.js";

/**
 * The store as a leader's coordinator sees it: every write asks the gate first, on this replica's
 * clock, and is refused with FleetError("LEADER_UNAVAILABLE", a 503 the caller retries) once the
 * lease lapsed or was lost (not a StoreError: the store is fine, this replica may not write), so a
 * deposed leader that wakes up (a pause, a stall) writes nothing; and every job write carries the
 * leader's epoch on the events it appends, so a write that was already on its way when the lease
 * lapsed is recognisable at the store (the job's etag still decides whether it lands).
 * Reads pass through: they change nothing.
 */
export function leaderGatedStore(store: StorePort, gate: LeaderGate): StorePort {
  const epochOrRefuse = (what: string): number => {
    const epoch = gate.epoch();
    if (!gate.holds() || epoch === undefined) throw new FleetError("LEADER_UNAVAILABLE", notLeaderMessage(what));
    return epoch;
  };
  const stamped = <C extends Collection>(collection: C, doc: DocOf<C>, epoch: number): DocOf<C> =>
    collection === "jobs" ? (stampLeaderEpoch(doc as DocOf<"jobs">, epoch) as DocOf<C>) : doc;
  return {
    init: () => store.init(),
    get: (collection, id, partitionKey) => store.get(collection, id, partitionKey),
    query: (collection, query) => store.query(collection, query),
    count: (collection, query) => store.count(collection, query),
    async create(collection, doc) {
      return store.create(collection, stamped(collection, doc, epochOrRefuse(`creating ${collection}/${doc.id}`)));
    },
    async replace(collection, doc, ifMatch) {
      return store.replace(collection, stamped(collection, doc, epochOrRefuse(`writing ${collection}/${doc.id}`)), ifMatch);
    },
    async upsert(collection, doc) {
      return store.upsert(collection, stamped(collection, doc, epochOrRefuse(`writing ${collection}/${doc.id}`)));
    },
    async delete(collection, id, partitionKey) {
      epochOrRefuse(`deleting ${collection}/${id}`);
      return store.delete(collection, id, partitionKey);
    },
    stats: () => store.stats(),
    close: () => store.close(),
  };
}
