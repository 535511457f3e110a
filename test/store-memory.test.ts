import { MemoryStore } from "../coordinator/store/memory/memory-store.js";
import { runStoreContract } from "./store-contract.js";

runStoreContract("memory", async () => ({ store: new MemoryStore(), cleanup: async () => undefined }));
