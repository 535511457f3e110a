import { type BrokerCost, costDelta, readCosts, type StoreCost } from "./cost-counters.js";
import { CpuWindow, cpuPerJob, type ProcessRef } from "./cpu-window.js";
import { readTimeline, type LatencyFigures } from "./job-timeline.js";
import { offerLoad } from "./open-loop-load.js";
import type { SubmitClient } from "./submit-client.js";

export interface RatePhaseOptions {
  rate: number;
  jobs: number;
  bulk: boolean;
  /** Longest wait for the last job to ship once every submission was answered. */
  drainTimeoutMs: number;
  keyPrefix: string;
}

export interface RatePhaseResult {
  offeredRate: number;
  mode: "single" | "bulk";
  jobs: number;
  acknowledged: number;
  refused: { status: number; count: number }[];
  shipped: number;
  /** Shipped jobs over the seconds from the first submission to the last job shipped. */
  throughputJobsPerSecond: number;
  /** Submissions acknowledged per second while offering. */
  submitRatePerSecond: number;
  submitToAccept: LatencyFigures;
  submitToAssigned: LatencyFigures;
  assignedToAccept: LatencyFigures;
  submitToShipped: LatencyFigures;
  /** Microseconds of CPU per shipped job, by process (agents together) and in total. */
  cpuUsPerJob: Record<string, number>;
  /** The benchmark's own process (load generator, undici client) per job: not in the total, but
   * it shares the same cores. */
  loadGeneratorCpuUsPerJob: number;
  storePerJob: StoreCost;
  brokerPerJob: BrokerCost;
}

/** Active jobs in the coordinator's memory (a cheap read: one request every 250 ms). */
async function activeJobs(client: SubmitClient): Promise<number> {
  const answer = await client.request("GET", "/fleet/queue-state");
  if (answer.status !== 200) throw new Error(`GET /fleet/queue-state answered ${answer.status}`);
  const byStage = (answer.body as { byStage: Record<string, number> }).byStage;
  return Object.entries(byStage).reduce((total, [stage, n]) => total + (stage === "shipped" ? 0 : n), 0);
}

/**
 * One offered rate: costs read, CPU window opened, the load offered open loop, then a wait until
 * nothing is active (bounded), the window closed and the costs read again; latencies last, from
 * the job documents (after the CPU window, so reading them is not counted).
 */
export async function runRatePhase(client: SubmitClient, brokerUrl: string, processes: () => ProcessRef[], options: RatePhaseOptions): Promise<RatePhaseResult> {
  const before = await readCosts(client, brokerUrl);
  const cpu = new CpuWindow(processes());
  const ownCpu = process.cpuUsage();
  const load = await offerLoad(client, { rate: options.rate, jobs: options.jobs, keyPrefix: options.keyPrefix, bulk: options.bulk });
  const deadline = Date.now() + options.drainTimeoutMs;
  while (Date.now() < deadline && (await activeJobs(client)) > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  const used = cpu.close();
  const own = process.cpuUsage(ownCpu);
  const after = await readCosts(client, brokerUrl);
  const timeline = await readTimeline(client, options.keyPrefix, load.sentAt);
  const perJob = timeline.shipped === 0 ? 0 : 1 / timeline.shipped;
  const cost = costDelta(before, after, perJob);
  return {
    offeredRate: options.rate,
    mode: options.bulk ? "bulk" : "single",
    jobs: load.offered,
    acknowledged: load.acknowledged,
    refused: load.refused,
    shipped: timeline.shipped,
    throughputJobsPerSecond: timeline.firstSubmitToLastShippedSeconds === 0 ? 0 : Math.round(timeline.shipped / timeline.firstSubmitToLastShippedSeconds),
    submitRatePerSecond: Math.round(load.acknowledged / load.submitSeconds),
    submitToAccept: timeline.submitToAccept,
    submitToAssigned: timeline.submitToAssigned,
    assignedToAccept: timeline.assignedToAccept,
    submitToShipped: timeline.submitToShipped,
    cpuUsPerJob: cpuPerJob(used, timeline.shipped),
    loadGeneratorCpuUsPerJob: timeline.shipped === 0 ? 0 : Math.round((own.user + own.system) / timeline.shipped),
    storePerJob: cost.store,
    brokerPerJob: cost.broker,
  };
}
