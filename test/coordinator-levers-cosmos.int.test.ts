import { afterAll, beforeAll } from "vitest";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../peers/cosmos/embedded-cosmos.js";
import { CosmosStore } from "../store/cosmos/cosmos-store.js";
import { runBudgetSuite } from "./levers/budgets-suite.js";
import { runFairnessSuite } from "./levers/fairness-suite.js";
import { runPauseSuite } from "./levers/pauses-suite.js";
import { runScheduleSuite } from "./levers/schedules-suite.js";

let peer: EmbeddedCosmos;
let databases = 0;
beforeAll(async () => {
  peer = await startEmbeddedCosmos();
});
afterAll(async () => {
  await peer.close();
});

// Each test gets its own database on the shared peer.
const cosmos = async () => {
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `levers-${process.pid}-${++databases}`, local: true });
  return { store, cleanup: () => store.close() };
};
const name = "the Cosmos adapter (local Cosmos DB peer)";
runBudgetSuite(name, cosmos);
runPauseSuite(name, cosmos);
runFairnessSuite(name, cosmos);
runScheduleSuite(name, cosmos);
