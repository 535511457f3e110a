import { DefaultAzureCredential } from "@azure/identity";
import { CosmosStore } from "./cosmos/cosmos-store.js";
import { MemoryStore } from "./memory/memory-store.js";
import type { StorePort } from "./port.js";

export type StoreConfig =
  | { kind: "memory" }
  | { kind: "cosmos"; endpoint: string; database: string; key?: string; local?: boolean };

/** The one place a store adapter is chosen. Without a key, Cosmos DB is reached with managed
 * identity (DefaultAzureCredential). */
export function createStore(config: StoreConfig): StorePort {
  if (config.kind === "memory") return new MemoryStore();
  return new CosmosStore({
    endpoint: config.endpoint,
    database: config.database,
    ...(config.key === undefined ? { credential: new DefaultAzureCredential() } : { key: config.key }),
    ...(config.local === undefined ? {} : { local: config.local }),
  });
}
