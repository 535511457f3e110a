import { cpus } from "node:os";
import { EXIT, parseEntryArgs, UsageError, type EntryPointSpec } from "../composition/entry-point.js";
import { measureAssignmentThroughput } from "./assignment-throughput.js";
import { measureDurabilityCost, type WriteFigures } from "./durability-cost.js";
import { measureLifecycleCost } from "./lifecycle-cost.js";
import { measureRelay } from "./relay-throughput.js";

const SPEC = {
  usage: "npm run bench -- [options]",
  summary:
    "Measures the figures the README records (assignment throughput by queue size, store cost per job, relay throughput, " +
    "durability cost) and prints them. A benchmark, not a test: nothing here asserts a speed.",
  options: { json: { type: "boolean" }, quick: { type: "boolean" } },
  optionHelp: [
    ["--json", "print one JSON report on stdout instead of the human lines"],
    ["--quick", "smaller sizes (10k and 100k queued, fewer writes): about a minute"],
  ],
  notes: ["Run it on a quiet machine: the figures are wall-clock and share the cores with anything else running."],
} satisfies EntryPointSpec<Record<string, { type: "boolean" }>>;

/** `npm run bench [-- --json] [-- --quick]`: prints the figures the README records. */
async function main(): Promise<number> {
  const args = parseEntryArgs(SPEC, process.argv.slice(2));
  if (args === undefined) return EXIT.ok;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
  const json = args.flag("json");
  const quick = args.flag("quick");
  const log = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const assign = 20_000;
  const throughput = [];
  for (const queued of sizes) {
    log(`assignment throughput: ${queued.toLocaleString("en")} queued jobs over 20 pools, assigning ${assign.toLocaleString("en")} ...`);
    const result = await measureAssignmentThroughput(queued, assign);
    throughput.push(result);
    log(`  ${Math.round(result.assignmentsPerSecond).toLocaleString("en")} assignments/s (index rebuilt in ${result.rebuildSeconds.toFixed(2)} s)`);
  }
  log("store operations per job over submit, assign, accept, 3 stage reports, release ...");
  const cost = await measureLifecycleCost(quick ? 200 : 2000);
  log(
    `  writes/job ${cost.writesPerJob}, point reads/job ${cost.pointReadsPerJob}, queries/job ${cost.queriesPerJob}, ` +
      `estimated RU/job ${cost.estimatedRuPerJob.toFixed(1)} (job document ~${cost.averageJobDocumentBytes} bytes)`,
  );
  log("relay throughput through the real Service Bus SDK to the local broker ...");
  const relay = await measureRelay(quick ? 1000 : 5000);
  log(
    `  ${Math.round(relay.messagesPerSecond).toLocaleString("en")} messages/s (${relay.jobs} assignments in ${relay.seconds.toFixed(2)} s); ` +
      `broker operations per job ${relay.brokerOpsPerJob.total} (send ${relay.brokerOpsPerJob.send}, receive ${relay.brokerOpsPerJob.receive}, complete ${relay.brokerOpsPerJob.complete})`,
  );
  log("durability cost: CosmosStore upserts of 1 KB documents to the embedded Cosmos peer, in memory vs journalled ...");
  const durability = await measureDurabilityCost({ writes: quick ? 500 : 2000 });
  const figures = (f: WriteFigures) => `${f.writesPerSecond.toLocaleString("en")} writes/s (p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms)`;
  const fsyncs = (f: WriteFigures) => (f.fsyncsPerWrite === undefined ? "" : `, ${f.fsyncsPerWrite} fsyncs/write`);
  for (const [label, mode] of [["in memory ", durability.inMemory], ["journalled", durability.journalled]] as const) {
    log(`  ${label}: sequential ${figures(mode.sequential)}${fsyncs(mode.sequential)}; ${durability.concurrency} concurrent ${figures(mode.concurrent)}${fsyncs(mode.concurrent)}`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
    assignmentThroughput: throughput.map((t) => ({
      queued: t.queued,
      assigned: t.assigned,
      assignmentsPerSecond: Math.round(t.assignmentsPerSecond),
      rebuildSeconds: Number(t.rebuildSeconds.toFixed(3)),
    })),
    lifecycleCost: cost,
    relay: { ...relay, messagesPerSecond: Math.round(relay.messagesPerSecond), seconds: Number(relay.seconds.toFixed(3)) },
    durabilityCost: durability,
  };
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return EXIT.ok;
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
