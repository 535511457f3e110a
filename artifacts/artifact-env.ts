import { z } from "zod";
import { DEFAULT_ARTIFACT_CONTAINER } from "../contracts/index.js";
import type { ArtifactStoreConfig } from "./registry.js";

/**
 * The environment both the coordinator and the factory agent read for Blob Storage (attempts'
 * logs and files): a connection string (Azurite locally, or an account key), or the account URL
 * for managed identity; without either, no artifact store. One schema, so both processes accept
 * and refuse the same values with the same words.
 */
export const ArtifactEnv = {
  ARTIFACTS_CONNECTION_STRING: z
    .string()
    .min(1)
    .refine((value) => /(^|;)(BlobEndpoint=|AccountName=)/i.test(value), "ARTIFACTS_CONNECTION_STRING must be a Storage connection string (AccountName=...;AccountKey=...; or with BlobEndpoint=...)")
    .optional(),
  ARTIFACTS_ACCOUNT_URL: z.string().url("ARTIFACTS_ACCOUNT_URL must be the account's blob URL, e.g. https://fleetartifacts.blob.core.windows.net").optional(),
  ARTIFACTS_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "a container name: 3-63 lower-case letters, digits and single hyphens")
    .default(DEFAULT_ARTIFACT_CONTAINER),
};

export interface ArtifactEnvValues {
  ARTIFACTS_CONNECTION_STRING?: string | undefined;
  ARTIFACTS_ACCOUNT_URL?: string | undefined;
  ARTIFACTS_CONTAINER: string;
}

/** The rule across the variables, in our words; undefined when they agree. */
export function artifactEnvProblem(env: { ARTIFACTS_CONNECTION_STRING?: unknown; ARTIFACTS_ACCOUNT_URL?: unknown }): string | undefined {
  return env.ARTIFACTS_CONNECTION_STRING !== undefined && env.ARTIFACTS_ACCOUNT_URL !== undefined
    ? "set ARTIFACTS_CONNECTION_STRING or ARTIFACTS_ACCOUNT_URL, not both"
    : undefined;
}

/** The artifact store the variables name, or undefined for none. */
export function artifactStoreOf(env: ArtifactEnvValues): Exclude<ArtifactStoreConfig, { kind: "memory" }> | undefined {
  if (env.ARTIFACTS_CONNECTION_STRING !== undefined) return { kind: "azure-blob", connectionString: env.ARTIFACTS_CONNECTION_STRING, container: env.ARTIFACTS_CONTAINER };
  if (env.ARTIFACTS_ACCOUNT_URL !== undefined) return { kind: "azure-blob", accountUrl: env.ARTIFACTS_ACCOUNT_URL, container: env.ARTIFACTS_CONTAINER };
  return undefined;
}
