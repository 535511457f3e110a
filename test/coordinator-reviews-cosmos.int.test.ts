import { afterAll, beforeAll } from "vitest";
import { CosmosStore } from "../store/cosmos/cosmos-store.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { artifactsSuite } from "./api-suite/artifacts-suite.js";
import { reviewGateSuite } from "./api-suite/review-gate-suite.js";

let peer: EmbeddedCosmos;
let databases = 0;
beforeAll(async () => {
  peer = await startEmbeddedCosmos();
});
afterAll(async () => {
  await peer.close();
});

// The review gate and the artifact routes on the Cosmos adapter, each test on its own database.
const cosmos = async () => {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `reviews-${process.pid}-${++databases}`, local: true });
  return { store, cleanup: () => store.close() };
};
reviewGateSuite(cosmos);
artifactsSuite(cosmos);
