import type { ContainerRequest } from "@azure/cosmos";
import { COLLECTIONS, type Collection, PARTITION_KEYS } from "../port.js";

/** Containers whose documents may expire (-1: TTL on, each document opts in with `ttl`). */
const TTL: Partial<Record<Collection, number>> = { events: -1, checkpoints: -1 };

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
  ...(TTL[collection] === undefined ? {} : { defaultTtl: TTL[collection] }),
}));
