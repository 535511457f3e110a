import { afterAll, beforeAll } from "vitest";
import { CosmosStore } from "./cosmos-store.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../../peers/cosmos/embedded-cosmos.js";
import { runStoreContract } from "../contract/store-contract.js";

// One peer for the file; one database per test, so tests never see each other's documents.
let peer: EmbeddedCosmos;
let databases = 0;
beforeAll(async () => {
  peer = await startEmbeddedCosmos();
});
afterAll(async () => {
  await peer.close();
});

runStoreContract(
  "cosmos on the local Cosmos DB peer",
  async () => {
    const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `store-contract-${process.pid}-${++databases}`, local: true });
    return { store, cleanup: () => store.close() };
  },
  {
    gaps: {
      orderByKeepsUndefined: "the local peer drops documents lacking the ORDER BY field (peers/cosmos/README.md)",
      ttlExpiry: "the local peer accepts ttl and defaultTtl but never expires a document (peers/cosmos/README.md)",
    },
  },
);
