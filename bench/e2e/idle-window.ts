import { type BrokerCost, costDelta, readCosts, type StoreCost } from "./cost-counters.js";
import { CpuWindow, type ProcessRef } from "./cpu-window.js";
import type { SubmitClient } from "./submit-client.js";

export interface IdleCost {
  seconds: number;
  storePerMinute: StoreCost;
  brokerPerMinute: BrokerCost;
  /** CPU milliseconds per second of each process with no work: the baseline inside every
   * per-job CPU figure (a phase's CPU includes it for the phase's length). */
  cpuMsPerSecond: Record<string, number>;
}

/** Store and broker operations per minute over a window with no work at all. */
export async function measureIdle(client: SubmitClient, brokerUrl: string, seconds: number, processes: ProcessRef[]): Promise<IdleCost> {
  const before = await readCosts(client, brokerUrl);
  const cpu = new CpuWindow(processes);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (Date.now() - started) / 1000;
  const used = cpu.close();
  const after = await readCosts(client, brokerUrl);
  // The second read of /metrics is itself no store or broker operation.
  const cost = costDelta(before, after, 60 / elapsed);
  const cpuMsPerSecond: Record<string, number> = {};
  for (const [name, cpuSeconds] of Object.entries(used)) cpuMsPerSecond[name] = Number(((cpuSeconds * 1000) / elapsed).toFixed(1));
  return { seconds: Number(elapsed.toFixed(1)), storePerMinute: cost.store, brokerPerMinute: cost.broker, cpuMsPerSecond };
}
