import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { DemandSource } from "./pool-demand.js";

/** Demand straight from the coordinator's pool counters: no store or broker call per scrape. */
export function coordinatorDemandSource(coordinator: Coordinator): DemandSource {
  return {
    demand(pool) {
      const runtime = coordinator.pools.get(pool);
      if (runtime === undefined) return undefined;
      return { awaitingAccept: runtime.awaitingAccept, running: runtime.inFlight - runtime.awaitingAccept };
    },
    scaling(pool) {
      const runtime = coordinator.pools.get(pool);
      if (runtime === undefined) return undefined;
      return { target: runtime.definition.messageCount, activation: runtime.definition.activationMessageCount };
    },
  };
}
