import { afterAll, beforeAll } from "vitest";
import { CosmosStore } from "../coordinator/store/cosmos/cosmos-store.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { runStoreContract } from "./store-contract.js";

let peer: EmbeddedCosmos;
let n = 0;
beforeAll(async () => {
  peer = await startEmbeddedCosmos();
});
afterAll(async () => peer.close());

runStoreContract("cosmos (local Cosmos DB peer)", async () => {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `contract-${process.pid}-${++n}`, local: true });
  return { store, cleanup: () => store.close() };
});
