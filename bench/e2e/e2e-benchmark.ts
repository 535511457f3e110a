import { randomBytes } from "node:crypto";
import type { IdleCost } from "./idle-window.js";
import { measureIdle } from "./idle-window.js";
import { type E2eOptions, jobsFor } from "./e2e-options.js";
import { runStamp, type RunStamp } from "./machine-info.js";
import { BenchProcessStack } from "./process-stack.js";
import { type RatePhaseResult, runRatePhase } from "./rate-phase.js";
import { SubmitClient } from "./submit-client.js";

export interface E2eReport {
  stamp: RunStamp;
  setup: {
    agents: number;
    seats: number;
    store: "cosmos peer process, journalled" | "cosmos peer process, in memory";
    submit: "single" | "bulk";
    /** Asked for --bulk but the coordinator has no POST /fleet/jobs/batch. */
    bulkUnavailable: boolean;
    latencySource: string;
    cpuSource: string;
  };
  rates: RatePhaseResult[];
  idle: { withIdleAgents: IdleCost; scaledToZero: IdleCost } | undefined;
}

const LATENCY_SOURCE =
  "submit: when the load generator handed the request to its client; accept and shipped: the 'accepted' event and the event that shipped the job, read from the job documents after each phase (no reads while load runs, beyond a queue-state poll every 250 ms)";
const CPU_SOURCE = "utime+stime deltas from /proc/<pid>/stat of each node process (checked to run the entry point itself) and its descendants, over each phase from the first submission to the last job shipped";

/** One line of what a phase cost per job: CPU by process, store and broker operations. */
function describeCosts(result: RatePhaseResult): string {
  const cpu = Object.entries(result.cpuUsPerJob)
    .filter(([name]) => name !== "total")
    .map(([name, us]) => `${name} ${us}`)
    .join(", ");
  const kinds = (byKind: Record<string, number>) =>
    Object.entries(byKind)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(", ");
  return (
    `per job: CPU us ${cpu} (load generator ${result.loadGeneratorCpuUsPerJob}, not counted); store ${result.storePerJob.total} ops (${kinds(result.storePerJob.byKind)}), ${result.storePerJob.ru} RU; ` +
    `broker ${result.brokerPerJob.total} ops (${kinds(result.brokerPerJob.byKind)})`
  );
}

/** Stops the stack on SIGINT/SIGTERM while a run is under way, then exits. */
function stopOnSignal(stack: BenchProcessStack): () => void {
  const handler = (signal: NodeJS.Signals) => {
    void stack.stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/**
 * The end-to-end benchmark: the whole local stack as separate processes, no-op jobs offered at
 * fixed rates through the HTTP API and run by real factory agents, then the idle cost.
 */
export async function runE2eBenchmark(options: E2eOptions, log: (line: string) => void): Promise<E2eReport> {
  const stamp = runStamp();
  const stack = new BenchProcessStack({ agents: options.agents, seats: options.seats, journalled: options.journalled, ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }) });
  const release = stopOnSignal(stack);
  let client: SubmitClient | undefined;
  try {
    log(`e2e: starting the Cosmos peer, the broker, the coordinator and ${options.agents} agent(s) of ${options.seats} seat(s) ...`);
    await stack.start();
    client = new SubmitClient(stack.url, stack.files.operatorToken);
    const bulkServed = options.bulk ? await client.hasBulkSubmit() : false;
    if (options.bulk && !bulkServed) log("e2e: POST /fleet/jobs/batch answers 404 here: submitting one job per request");
    const run = randomBytes(3).toString("hex");
    const rates: RatePhaseResult[] = [];
    for (const rate of options.rates) {
      const jobs = jobsFor(options, rate);
      log(`e2e: offering ${rate.toLocaleString("en")} jobs/s open loop, ${jobs.toLocaleString("en")} jobs (${bulkServed ? "bulk" : "single"} submits) ...`);
      const result = await runRatePhase(client, stack.brokerUrl, () => stack.processes(), {
        rate,
        jobs,
        bulk: bulkServed,
        drainTimeoutMs: options.drainTimeoutSeconds * 1000,
        keyPrefix: `e2e-${run}-${rate}-`,
      });
      rates.push(result);
      log(`  ${describeCosts(result)}`);
      if (result.shipped < result.jobs) log(`  warning: ${result.jobs - result.shipped} job(s) not shipped within ${options.drainTimeoutSeconds} s of the last submission; what follows shares the stack with them`);
      log(
        `  ${result.shipped}/${result.jobs} shipped, ${result.throughputJobsPerSecond.toLocaleString("en")} jobs/s; submit->accept p50 ${result.submitToAccept.p50Ms} ms p99 ${result.submitToAccept.p99Ms} ms ` +
          `(submit->assigned p50 ${result.submitToAssigned.p50Ms} ms p99 ${result.submitToAssigned.p99Ms} ms, assigned->accept p50 ${result.assignedToAccept.p50Ms} ms p99 ${result.assignedToAccept.p99Ms} ms); ` +
          `CPU ${result.cpuUsPerJob.total} us/job (coordinator ${result.cpuUsPerJob.coordinator}, agents ${result.cpuUsPerJob.agents ?? 0})`,
      );
    }
    let idle: E2eReport["idle"];
    if (options.idleSeconds > 0) {
      log(`e2e: idle cost over ${options.idleSeconds} s with ${options.agents} idle agent(s) running ...`);
      const withIdleAgents = await measureIdle(client, stack.brokerUrl, options.idleSeconds, stack.processes());
      log(`  store ${withIdleAgents.storePerMinute.total} ops/min (${JSON.stringify(withIdleAgents.storePerMinute.byKind)}), broker ${withIdleAgents.brokerPerMinute.total} ops/min (${JSON.stringify(withIdleAgents.brokerPerMinute.byKind)}); CPU ms/s ${JSON.stringify(withIdleAgents.cpuMsPerSecond)}`);
      await stack.stopAgents();
      log(`e2e: idle cost over ${options.idleSeconds} s with the agents stopped (scaled to zero) ...`);
      const scaledToZero = await measureIdle(client, stack.brokerUrl, options.idleSeconds, stack.processes());
      log(`  store ${scaledToZero.storePerMinute.total} ops/min (${JSON.stringify(scaledToZero.storePerMinute.byKind)}), broker ${scaledToZero.brokerPerMinute.total} ops/min (${JSON.stringify(scaledToZero.brokerPerMinute.byKind)}); CPU ms/s ${JSON.stringify(scaledToZero.cpuMsPerSecond)}`);
      idle = { withIdleAgents, scaledToZero };
    }
    return {
      stamp,
      setup: {
        agents: options.agents,
        seats: options.seats,
        store: options.journalled ? "cosmos peer process, journalled" : "cosmos peer process, in memory",
        submit: bulkServed ? "bulk" : "single",
        bulkUnavailable: options.bulk && !bulkServed,
        latencySource: LATENCY_SOURCE,
        cpuSource: CPU_SOURCE,
      },
      rates,
      idle,
    };
  } finally {
    release();
    await client?.close();
    await stack.stop();
  }
}
