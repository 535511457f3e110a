import { EXIT, parseEntryArgs, UsageError, type EntryPointSpec } from "../composition/entry-point.js";
import { measureAssignmentThroughput, type ThroughputResult } from "./assignment-throughput.js";
import { BENCH_OPTION_HELP, BENCH_OPTIONS, benchPlan } from "./bench-options.js";
import { measureDurabilityCost, type WriteFigures } from "./durability-cost.js";
import { type CoreInProcessResult, measureCoreInProcess } from "./e2e/core-in-process.js";
import { type E2eReport, runE2eBenchmark } from "./e2e/e2e-benchmark.js";
import { runStamp } from "./e2e/machine-info.js";
import { type LifecycleCost, measureLifecycleCost } from "./lifecycle-cost.js";
import { measureRelay, type RelayResult } from "./relay-throughput.js";
import { targetRows, targetsTable } from "./targets-table.js";

const SPEC = {
  usage: "npm run bench -- [options]",
  summary:
    "Measures the figures the README records (assignment throughput and selection cost by queue size over 20 and 200 pools, index rebuild, memory per queued job, " +
    "store cost per job, relay throughput, durability cost, the end-to-end benchmark of the whole local stack as separate processes, the core in one process) " +
    "and prints them with the targets table. A benchmark, not a test: nothing here asserts a speed.",
  options: BENCH_OPTIONS,
  optionHelp: BENCH_OPTION_HELP,
  notes: [
    "Run it on a quiet machine: the figures are wall-clock and share the cores with anything else running.",
    "CPU per job is read from /proc/<pid>/stat (utime+stime) of each process of the stack; every child process is stopped on exit, on error and on SIGINT.",
  ],
} satisfies EntryPointSpec<typeof BENCH_OPTIONS>;

const CORE = { jobs: 20_000, agents: 16, seats: 64, timeoutMs: 120_000 };
const CORE_QUICK = { ...CORE, jobs: 5000 };

/** `npm run bench [-- options]`: prints the figures the README records, then the targets table. */
async function main(): Promise<number> {
  const args = parseEntryArgs(SPEC, process.argv.slice(2));
  if (args === undefined) return EXIT.ok;
  const plan = benchPlan(args);
  const { json, quick } = plan;
  // Progress stays visible with --json (on stderr), so a long run shows it is alive.
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const stamp = runStamp();
  log(`bench: commit ${stamp.commit}${stamp.dirty ? " (dirty)" : ""}, ${stamp.machine.cores} cores ${stamp.machine.cpuModel}, ${stamp.machine.memoryGb} GB, Node ${stamp.machine.node}, ${stamp.date}`);

  let scale: ReturnType<typeof scaleSummary> | undefined;
  let cost: LifecycleCost | undefined;
  let relay: RelayResult | undefined;
  let durability: Awaited<ReturnType<typeof measureDurabilityCost>> | undefined;
  if (!plan.e2eOnly) {
    scale = scaleSummary(await measureScale(quick, log));
    log("store operations per job over submit, assign, accept, 3 stage reports, release ...");
    cost = await measureLifecycleCost(quick ? 200 : 2000);
    log(
      `  writes/job ${cost.writesPerJob}, point reads/job ${cost.pointReadsPerJob}, queries/job ${cost.queriesPerJob}, ` +
        `estimated RU/job ${cost.estimatedRuPerJob.toFixed(1)} (job document ~${cost.averageJobDocumentBytes} bytes)`,
    );
    log("relay throughput through the real Service Bus SDK to the local broker ...");
    relay = await measureRelay(quick ? 1000 : 5000);
    log(
      `  ${Math.round(relay.messagesPerSecond).toLocaleString("en")} messages/s (${relay.jobs} assignments in ${relay.seconds.toFixed(2)} s); ` +
        `broker operations per job ${relay.brokerOpsPerJob.total} (send ${relay.brokerOpsPerJob.send}, receive ${relay.brokerOpsPerJob.receive}, complete ${relay.brokerOpsPerJob.complete})`,
    );
    log("durability cost: CosmosStore upserts of 1 KB documents to the embedded Cosmos peer, in memory vs journalled ...");
    durability = await measureDurabilityCost({ writes: quick ? 500 : 2000 });
    const figures = (f: WriteFigures) => `${f.writesPerSecond.toLocaleString("en")} writes/s (p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms)`;
    const fsyncs = (f: WriteFigures) => (f.fsyncsPerWrite === undefined ? "" : `, ${f.fsyncsPerWrite} fsyncs/write`);
    for (const [label, mode] of [["in memory ", durability.inMemory], ["journalled", durability.journalled]] as const) {
      log(`  ${label}: sequential ${figures(mode.sequential)}${fsyncs(mode.sequential)}; ${durability.concurrency} concurrent ${figures(mode.concurrent)}${fsyncs(mode.concurrent)}`);
    }
  }

  const core = quick ? CORE_QUICK : CORE;
  log(`core in one process (memory store and broker, the shipped agent loop): ${core.jobs.toLocaleString("en")} jobs, ${core.agents} agents x ${core.seats} seats ...`);
  const coreResult: CoreInProcessResult = await measureCoreInProcess(core);
  log(`  ${coreResult.shipped}/${coreResult.jobs} shipped, ${coreResult.jobsPerSecond.toLocaleString("en")} jobs/s, ${coreResult.cpuUsPerJob} us CPU/job`);

  const e2e: E2eReport = await runE2eBenchmark(plan.e2e, log);
  const rows = targetRows({ e2e, core: coreResult, lifecycle: cost });
  const table = targetsTable(rows);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        ...stamp,
        assignmentThroughput: scale,
        lifecycleCost: cost,
        relay: relay === undefined ? undefined : { ...relay, messagesPerSecond: Math.round(relay.messagesPerSecond), seconds: Number(relay.seconds.toFixed(3)) },
        durabilityCost: durability,
        coreInProcess: coreResult,
        e2e,
        targets: rows,
      })}\n`,
    );
  } else {
    log("");
    log(`targets (commit ${stamp.commit.slice(0, 12)}${stamp.dirty ? " dirty" : ""}, ${stamp.machine.cores} cores, Node ${stamp.machine.node}, ${stamp.date.slice(0, 10)}):`);
    log(table);
  }
  return EXIT.ok;
}

/** Selection cost at each queue size over 20 and 200 pools (the ratio to 10k shows the shape). */
async function measureScale(quick: boolean, log: (line: string) => void): Promise<ThroughputResult[]> {
  const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const assign = 20_000;
  const results: ThroughputResult[] = [];
  for (const pools of [20, 200]) {
    for (const queued of sizes) {
      log(`assignment throughput: ${queued.toLocaleString("en")} queued jobs over ${pools} pools, assigning ${assign.toLocaleString("en")} ...`);
      const result = await measureAssignmentThroughput(queued, assign, pools);
      results.push(result);
      const base = results.find((r) => r.pools === pools && r.queued === sizes[0]);
      const ratio = base === undefined ? 1 : result.usPerAssignment / base.usPerAssignment;
      const memory = result.bytesPerQueuedJob === undefined ? "memory per job: run with node --expose-gc" : `${result.bytesPerQueuedJob.store} B/job in the store, ${result.bytesPerQueuedJob.index} B/job of index`;
      log(
        `  ${Math.round(result.assignmentsPerSecond).toLocaleString("en")} assignments/s, ${result.usPerAssignment.toFixed(1)} us each (x${ratio.toFixed(2)} vs 10k); ` +
          `index rebuilt in ${result.rebuildSeconds.toFixed(2)} s; ${memory}`,
      );
    }
  }
  return results;
}

function scaleSummary(results: ThroughputResult[]) {
  return results.map((t) => {
    const base = results.find((r) => r.pools === t.pools && r.queued === 10_000);
    return {
      queued: t.queued,
      pools: t.pools,
      assigned: t.assigned,
      assignmentsPerSecond: Math.round(t.assignmentsPerSecond),
      usPerAssignment: Number(t.usPerAssignment.toFixed(2)),
      ratioVs10k: base === undefined ? undefined : Number((t.usPerAssignment / base.usPerAssignment).toFixed(2)),
      rebuildSeconds: Number(t.rebuildSeconds.toFixed(3)),
      bytesPerQueuedJob: t.bytesPerQueuedJob,
    };
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failure);
  },
);
