import { MemoryStore } from "../store/memory/memory-store.js";
import { artifactsSuite } from "./api-suite/artifacts-suite.js";
import { reviewGateSuite } from "./api-suite/review-gate-suite.js";

const memory = async () => ({ store: new MemoryStore(), cleanup: async () => undefined });
reviewGateSuite(memory);
artifactsSuite(memory);
