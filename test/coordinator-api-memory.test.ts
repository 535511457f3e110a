import { MemoryStore } from "../store/memory/memory-store.js";
import { runAccessApiSuite } from "./coordinator-api-access-suite.js";
import { runCoordinatorApiSuite } from "./coordinator-api-suite.js";

runCoordinatorApiSuite("the memory store", async () => ({ store: new MemoryStore(), cleanup: async () => undefined }));
runAccessApiSuite("the memory store", async () => ({ store: new MemoryStore(), cleanup: async () => undefined }));
