import type { StorePort } from "../../store/port.js";
import type { MetricsHub } from "./metrics-hub.js";
import { mirroredCounter } from "./mirrored-counter.js";

/** What the store cost: operations by kind, estimated request units, conflicts and throttling. */
export function registerStoreMetrics(hub: MetricsHub, store: StorePort): void {
  const registry = hub.registry;
  mirroredCounter({
    name: "fleet_store_operations_total",
    help: "Store operations by kind (read, create, replace, upsert, delete, query)",
    labelNames: ["op"],
    registry,
    read: () => Object.entries(store.stats().ops).map(([op, count]) => [{ op }, count] as [{ op: string }, number]),
  });
  mirroredCounter({
    name: "fleet_store_request_units_total",
    help: "Estimated request units consumed (1 RU per KB read, 5 RU per KB written, 2.5 per query page)",
    registry,
    read: () => [[{}, store.stats().estimatedRu]],
  });
  mirroredCounter({ name: "fleet_store_conflicts_total", help: "Conditional writes refused because the etag had moved on (412)", registry, read: () => [[{}, store.stats().conflicts]] });
  mirroredCounter({ name: "fleet_store_throttled_total", help: "Throttled store calls (429) seen", registry, read: () => [[{}, store.stats().throttled]] });
  mirroredCounter({ name: "fleet_store_throttle_give_ups_total", help: "Store calls that gave up after their throttle retries", registry, read: () => [[{}, store.stats().throttleGiveUps]] });
}
