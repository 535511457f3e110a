import { Gauge, type Registry } from "prom-client";
import type { CoordinatorReplica } from "./coordinator-replica.js";

/**
 * The replica's leadership as Prometheus sees it, on the follower's own registry or the leader's
 * (one scrape per replica): whether it leads, the epoch it knows, and the takeovers it won.
 */
export function registerLeadershipMetrics(registry: Registry, replica: CoordinatorReplica): void {
  new Gauge({
    name: "fleet_leadership_leader",
    help: "1 while this coordinator replica holds the leadership lease (and serves), else 0",
    registers: [registry],
    collect() {
      this.set(replica.status() === "leader" && replica.gate.holds() ? 1 : 0);
    },
  });
  new Gauge({
    name: "fleet_leadership_epoch",
    help: "The leader epoch this replica last saw in the lease document (0: none yet)",
    registers: [registry],
    collect() {
      this.set(replica.leader()?.epoch ?? 0);
    },
  });
  new Gauge({
    name: "fleet_leadership_acquired",
    help: "Times this replica acquired the lease (0 or 1: a process leads at most once)",
    registers: [registry],
    collect() {
      this.set(replica.elector.stats().acquired);
    },
  });
}
