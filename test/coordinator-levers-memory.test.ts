import { MemoryStore } from "../store/memory/memory-store.js";
import { runBudgetSuite } from "./levers/budgets-suite.js";
import { runFairnessSuite } from "./levers/fairness-suite.js";
import { runPauseSuite } from "./levers/pauses-suite.js";
import { runScheduleSuite } from "./levers/schedules-suite.js";

const memory = async () => ({ store: new MemoryStore(), cleanup: async () => undefined });
runBudgetSuite("the memory store", memory);
runPauseSuite("the memory store", memory);
runFairnessSuite("the memory store", memory);
runScheduleSuite("the memory store", memory);
