import { subscriptionNameFor, type Topology } from "../contracts/index.js";
import type { BrokerTopology } from "../broker/port.js";

/** The Service Bus topology derived from the one topology file: topic `assignments` with duplicate
 * detection, and per pool a subscription filtered on the `pool` property. */
export function brokerTopologyOf(topology: Topology): BrokerTopology {
  return {
    topic: topology.topic,
    duplicateDetectionWindowMs: topology.duplicateDetectionWindowSeconds * 1000,
    subscriptions: topology.pools.map((pool) => ({
      name: subscriptionNameFor(pool.name),
      lockDurationMs: pool.lockDurationSeconds * 1000,
      maxDeliveryCount: pool.maxDeliveryCount,
      deadLetterOnExpiration: true,
      filter: { pool: pool.name },
    })),
  };
}
