import type { Clock } from "../../contracts/index.js";
import { MemoryBroker } from "./memory/memory-broker.js";
import type { BrokerPort } from "./port.js";
import { ServiceBusBroker } from "./service-bus/service-bus-broker.js";

export type BrokerConfig =
  | { kind: "memory"; clock?: Clock; realTime?: boolean }
  | { kind: "service-bus"; connectionString: string }
  | { kind: "service-bus"; fullyQualifiedNamespace: string };

/** The one place a broker adapter is chosen. A namespace without a connection string connects with
 * managed identity (DefaultAzureCredential). */
export function createBroker(config: BrokerConfig): BrokerPort {
  if (config.kind === "memory") return new MemoryBroker({ ...(config.clock === undefined ? {} : { clock: config.clock }), ...(config.realTime === undefined ? {} : { realTime: config.realTime }) });
  return new ServiceBusBroker("connectionString" in config ? { connectionString: config.connectionString } : { fullyQualifiedNamespace: config.fullyQualifiedNamespace });
}
