import { MemoryStore } from "../store/memory/memory-store.js";
import { runCoordinatorApiSuite } from "./coordinator-api-suite.js";

runCoordinatorApiSuite("the memory store", async () => ({ store: new MemoryStore(), cleanup: async () => undefined }));
