import type { Coordinator } from "../coordinator/service/coordinator.js";
import type { DemandSource } from "../keda/external-scaler/pool-demand.js";

/** Exact demand per pool from the coordinator's memory: no store or broker call per scrape. */
export function coordinatorDemandSource(coordinator: Coordinator): DemandSource {
  return {
    demand(pool) {
      const view = coordinator.poolView(pool);
      if (view === undefined) return undefined;
      return { awaitingAccept: view.awaitingAccept, running: view.inFlight - view.awaitingAccept };
    },
    scaling(pool) {
      const view = coordinator.poolView(pool);
      if (view === undefined) return undefined;
      return { target: view.definition.messageCount, activation: view.definition.activationMessageCount };
    },
  };
}
