import type { TokenCredential } from "@azure/identity";
import { DefaultAzureCredential } from "@azure/identity";
import { CosmosStore } from "./cosmos/cosmos-store.js";
import { MemoryStore } from "./memory/memory-store.js";
import type { StorePort } from "./port.js";

export type StoreConfig =
  | { kind: "memory" }
  | {
      kind: "cosmos";
      endpoint: string;
      database: string;
      /** Account key (or the local peer's key). */
      key?: string;
      /** Managed identity or any Entra ID credential; used when there is no key. */
      credential?: TokenCredential;
      /** The local protocol peer (plain HTTP, no endpoint discovery). */
      local?: boolean;
    };

/** The one place a store adapter is chosen. Cosmos DB without a key or a credential is reached
 * with DefaultAzureCredential (managed identity in Azure). */
export function createStore(config: StoreConfig): StorePort {
  if (config.kind === "memory") return new MemoryStore();
  const auth =
    config.key !== undefined ? { key: config.key } : { credential: config.credential ?? new DefaultAzureCredential() };
  return new CosmosStore({
    endpoint: config.endpoint,
    database: config.database,
    ...auth,
    ...(config.local === undefined ? {} : { local: config.local }),
  });
}
