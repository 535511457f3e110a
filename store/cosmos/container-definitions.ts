import type { ContainerRequest } from "@azure/cosmos";
import { COLLECTIONS, CONTAINER_TTL_SECONDS, PARTITION_KEYS } from "../port.js";

/**
 * The containers as `init()` creates them when it may (key auth, local peer). Mirrors
 * infra/bicep/modules/cosmos.bicep, which is what creates them in Azure: bodies, events and runs
 * are read by id and never filtered on, so leaving them out of the index makes writes cheaper.
 */
export const CONTAINER_DEFINITIONS: readonly ContainerRequest[] = COLLECTIONS.map((collection) => ({
  id: collection,
  partitionKey: { paths: [`/${PARTITION_KEYS[collection]}`] },
  indexingPolicy: {
    indexingMode: "consistent",
    automatic: true,
    includedPaths: [{ path: "/*" }],
    excludedPaths: [{ path: "/bodyMd/?" }, { path: "/events/*" }, { path: "/runs/*" }, { path: '/"_etag"/?' }],
  },
  ...(CONTAINER_TTL_SECONDS[collection] === undefined ? {} : { defaultTtl: CONTAINER_TTL_SECONDS[collection] }),
}));
