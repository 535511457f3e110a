import { MemoryBroker } from "../dispatcher/broker/memory/memory-broker.js";
import { ManualClock } from "./support/manual-clock.js";
import { runBrokerContract } from "./broker-contract.js";

runBrokerContract("memory", async () => {
  const clock = new ManualClock();
  return { broker: new MemoryBroker({ clock }), advance: async (ms) => void clock.advance(ms), cleanup: async () => undefined };
});
