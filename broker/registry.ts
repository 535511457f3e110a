import type { TokenCredential } from "@azure/service-bus";
import { MemoryBroker, type MemoryBrokerOptions } from "./memory/memory-broker.js";
import type { BrokerPort } from "./port.js";
import { ServiceBusBroker } from "./service-bus/service-bus-broker.js";

export type BrokerConfig =
  | { kind: "memory"; clock?: { now(): number }; realTime?: boolean; faults?: MemoryBrokerOptions["faults"] }
  | { kind: "service-bus"; connectionString: string; customEndpointAddress?: string }
  /** Managed identity: `credential` defaults to DefaultAzureCredential. */
  | { kind: "service-bus"; fullyQualifiedNamespace: string; credential?: TokenCredential; customEndpointAddress?: string };

/** The one place a broker adapter is chosen from configuration. */
export function createBroker(config: BrokerConfig): BrokerPort {
  if (config.kind === "memory") {
    const { kind: _, ...options } = config;
    return new MemoryBroker(options);
  }
  const route = config.customEndpointAddress === undefined ? {} : { customEndpointAddress: config.customEndpointAddress };
  if ("connectionString" in config) return new ServiceBusBroker({ connectionString: config.connectionString, ...route });
  return new ServiceBusBroker({
    fullyQualifiedNamespace: config.fullyQualifiedNamespace,
    ...(config.credential === undefined ? {} : { credential: config.credential }),
    ...route,
  });
}
