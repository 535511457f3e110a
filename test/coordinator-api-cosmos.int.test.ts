import { afterAll, beforeAll } from "vitest";
import { CosmosStore } from "../store/cosmos/cosmos-store.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { runAccessApiSuite } from "./coordinator-api-access-suite.js";
import { runCoordinatorApiSuite } from "./coordinator-api-suite.js";

let peer: EmbeddedCosmos;
let databases = 0;
beforeAll(async () => {
  peer = await startEmbeddedCosmos();
});
afterAll(async () => {
  await peer.close();
});

// Each test gets its own database on the shared peer.
runCoordinatorApiSuite("the Cosmos adapter (local Cosmos DB peer)", async () => {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `api-${process.pid}-${++databases}`, local: true });
  return { store, cleanup: () => store.close() };
});

runAccessApiSuite("the Cosmos adapter (local Cosmos DB peer)", async () => {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `access-${process.pid}-${++databases}`, local: true });
  return { store, cleanup: () => store.close() };
});
