import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { DEFAULT_ARTIFACT_CONTAINER } from "../contracts/index.js";
import { AzureBlobArtifactStore } from "./azure-blob/azure-blob-artifact-store.js";
import { MemoryArtifactStore, type MemoryArtifactStoreOptions } from "./memory/memory-artifact-store.js";
import type { ArtifactStorePort } from "./port.js";

export type ArtifactStoreConfig =
  | ({ kind: "memory" } & MemoryArtifactStoreOptions)
  /** A connection string: Azurite locally, or an account key. */
  | { kind: "azure-blob"; connectionString: string; container?: string }
  /** Managed identity: `credential` defaults to DefaultAzureCredential (AZURE_CLIENT_ID names a user-assigned identity). */
  | { kind: "azure-blob"; accountUrl: string; credential?: TokenCredential; container?: string };

/** The one place an artifact store adapter is chosen from configuration. */
export function createArtifactStore(config: ArtifactStoreConfig): ArtifactStorePort {
  if (config.kind === "memory") {
    const { kind: _, ...options } = config;
    return new MemoryArtifactStore(options);
  }
  const container = config.container ?? DEFAULT_ARTIFACT_CONTAINER;
  if ("connectionString" in config) return new AzureBlobArtifactStore({ connectionString: config.connectionString, container });
  return new AzureBlobArtifactStore({ accountUrl: config.accountUrl, credential: config.credential ?? new DefaultAzureCredential(), container });
}
