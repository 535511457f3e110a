import { type BrokerCost, costDelta, readCosts, type StoreCost } from "./cost-counters.js";
import type { SubmitClient } from "./submit-client.js";

export interface IdleCost {
  seconds: number;
  storePerMinute: StoreCost;
  brokerPerMinute: BrokerCost;
}

/** Store and broker operations per minute over a window with no work at all. */
export async function measureIdle(client: SubmitClient, brokerUrl: string, seconds: number): Promise<IdleCost> {
  const before = await readCosts(client, brokerUrl);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (Date.now() - started) / 1000;
  const after = await readCosts(client, brokerUrl);
  // The second read of /metrics is itself no store or broker operation.
  const cost = costDelta(before, after, 60 / elapsed);
  return { seconds: Number(elapsed.toFixed(1)), storePerMinute: cost.store, brokerPerMinute: cost.broker };
}
