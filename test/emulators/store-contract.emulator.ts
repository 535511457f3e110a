import { afterAll, beforeAll, describe, it } from "vitest";
import { runStoreContract } from "../../store/contract/store-contract.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { containerRuntime } from "./container-runtime.js";
import { type RunningCosmosEmulator, COSMOS_EMULATOR_IMAGE, startCosmosEmulator } from "./cosmos-emulator.js";

/**
 * The store contract, the same suite and assertions the memory store and the local Cosmos peer
 * pass, against Microsoft's Cosmos DB emulator in a container. Where the emulator and the peer
 * disagree, the emulator is right and the peer is fixed.
 */
const runtime = await containerRuntime();

if (!runtime.available) {
  console.info(`store contract on the Cosmos DB emulator skipped: ${runtime.reason}`);
  describe.skip(`store contract: Cosmos DB emulator (${runtime.reason})`, () => {
    it("runs the store contract", () => undefined);
  });
} else {
  let emulator: RunningCosmosEmulator;
  let databases = 0;
  beforeAll(async () => {
    emulator = await startCosmosEmulator();
  }, 240_000);
  afterAll(async () => {
    await emulator?.stop();
  });
  runStoreContract(`Cosmos DB emulator (${COSMOS_EMULATOR_IMAGE})`, async () => {
    const store = new CosmosStore({ endpoint: emulator.endpoint, key: emulator.key, database: `store-contract-${process.pid}-${++databases}`, local: true });
    return { store, cleanup: () => store.close() };
  });
}
