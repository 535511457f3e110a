import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Invariant } from "./history/violation.js";
import { renderHtmlReport } from "./live/html-report.js";
import { runScenario, type ScenarioResult } from "./live/run-scenario.js";
import { SCENARIOS } from "./live/scenarios.js";
import { PLANTED_BUGS, type PlantedBug, isPlantedBug } from "./sim/planted-bugs.js";
import { runSimulation, type SimResult } from "./sim/simulation.js";

/**
 * `npm run chaos -- sim [--seeds A..B] [--jobs N] [--no-fencing] [--bug NAME] [--report DIR]`: runs the
 * deterministic simulation over a range of seeds, shows progress, prints every figure and a
 * one-line replay command for each failing seed, writes a JSON report, and exits non-zero when
 * any invariant was violated.
 */
function usage(): string {
  const scenarios = SCENARIOS.map((s) => s.name);
  return [
    "Usage: npm run chaos -- sim [--seeds A..B] [--jobs N] [--no-fencing] [--bug NAME] [--report DIR]",
    `       npm run chaos -- <scenario|all> [--jobs N] [--duration S] [--report DIR]`,
    "",
    "The chaos suite. `sim` runs the deterministic simulation (the real coordinator, relay, monitor and",
    "factory agent on a virtual clock, faults and operators' levers drawn from each seed) and judges each",
    "seed's recorded history; a failing seed prints the command that replays it. A scenario runs real",
    "processes on 127.0.0.1 with TCP fault proxies and judges the recorded history the same way.",
    "",
    "Options:",
    "  --seeds A..B     sim: the seeds to run (default 1..200)",
    "  --jobs N         jobs per seed (sim, default 30, at most 5000) or per scenario (default 20)",
    "  --no-fencing     sim: plant the fencing bug (the checker must catch it)",
    `  --bug NAME       sim: plant one bug: ${Object.keys(PLANTED_BUGS).join(", ")}`,
    "  --duration S     scenarios: how long timed faults last, in seconds (0 < S <= 600)",
    "  --report DIR     where the JSON (and, for scenarios, HTML) reports go (default reports)",
    "  -h, --help       show this help and exit",
    "",
    `Scenarios: ${scenarios.join(", ")}, or all.`,
    "Environment: FLEET_CHAOS_SERVICEBUS_NAMESPACE and FLEET_CHAOS_COSMOS_ENDPOINT run the scenarios against Azure",
    "(DefaultAzureCredential); FLEET_HERD_JOBS sizes the thundering herd.",
    "",
    "Exit codes: 0 every invariant held, 1 an invariant was violated, 2 bad usage.",
    "",
  ].join("\n");
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage());
    return 0;
  }
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : args[i + 1];
  };
  const mode = args[0];
  const names = SCENARIOS.map((s) => s.name);
  const duration = flag("--duration") === undefined ? undefined : Number(flag("--duration"));
  if (duration !== undefined && (!Number.isFinite(duration) || duration <= 0 || duration > 600)) throw new Error("--duration takes the fault length in seconds (0 < S <= 600)");
  if (mode === "all" || (mode !== undefined && names.includes(mode)))
    return runLive(mode === "all" ? SCENARIOS.map((s) => s.name) : [mode], Number(flag("--jobs") ?? 20), flag("--report") ?? "reports", duration);
  if (mode !== "sim") {
    process.stderr.write(`npm run chaos: '${mode ?? ""}' is not a known mode; give sim, a scenario or all (see --help)\n`);
    return 2;
  }
  const range = /^(\d+)\.\.(\d+)$/.exec(flag("--seeds") ?? "1..200");
  if (range === null) throw new Error("--seeds takes a range like 1..200");
  const [from, to] = [Number(range[1]), Number(range[2])];
  const jobs = Number(flag("--jobs") ?? 30);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 5000) throw new Error("--jobs must be a whole number from 1 to 5000");
  const fencing = !args.includes("--no-fencing");
  const bugName = flag("--bug");
  if (bugName !== undefined && !isPlantedBug(bugName)) throw new Error(`--bug takes a planted bug: ${Object.keys(PLANTED_BUGS).join(", ")}`);
  const bug: PlantedBug | undefined = bugName;
  const results: SimResult[] = [];
  const started = performance.now();
  for (let seed = from; seed <= to; seed++) {
    results.push(await runSimulation({ seed, jobs, fencing, ...(bug === undefined ? {} : { bug }) }));
    const done = seed - from + 1;
    const total = to - from + 1;
    const width = 30;
    const fill = Math.round((done / total) * width);
    const failing = results.filter((r) => !r.check.ok).length;
    const bar = `[${"#".repeat(fill)}${".".repeat(width - fill)}] seed ${seed} (${done}/${total}) failing ${failing}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${bar}   `);
    else if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) process.stderr.write(`${bar}\n`);
  }
  if (process.stderr.isTTY) process.stderr.write("\n");
  const wallMs = performance.now() - started;
  const sum = (pick: (r: SimResult) => number) => results.reduce((a, r) => a + pick(r), 0);
  const deadLettered: Record<string, number> = {};
  const faults: Record<string, number> = {};
  const levers: Record<string, number> = {};
  const productPauses: Record<string, number> = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.check.figures.deadLettered)) deadLettered[k] = (deadLettered[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.faults)) {
      const into = k.startsWith("lever-") ? levers : faults;
      const name = k.replace(/^lever-/, "");
      into[name] = (into[name] ?? 0) + v;
    }
    for (const [k, v] of Object.entries(r.check.figures.levers.pauses.productPauses)) productPauses[k] = (productPauses[k] ?? 0) + v;
  }
  const f = (pick: (r: SimResult) => number) => sum(pick);
  const violated = (...invariants: Invariant[]) => f((r) => r.check.violations.filter((v) => invariants.includes(v.invariant)).length);
  const l = (pick: (levers: SimResult["check"]["figures"]["levers"]) => number) => f((r) => pick(r.check.figures.levers));
  const rows: [string, string | number][] = [
    ["seeds", `${from}..${to} (${results.length})`],
    ["simulated time / wall time", `${(sum((r) => r.simulatedMs) / 1000).toFixed(0)} s / ${(wallMs / 1000).toFixed(1)} s (${Math.round(sum((r) => r.simulatedMs) / wallMs)}x)`],
    ["jobs submitted / unknown outcome / recovered", `${f((r) => r.check.figures.submitted)} / ${f((r) => r.check.figures.unknownOutcome)} / ${f((r) => r.check.figures.recovered)}`],
    ["shipped", f((r) => r.check.figures.shipped)],
    ["failed", f((r) => r.check.figures.failed)],
    ["dead-lettered by reason", JSON.stringify(deadLettered)],
    ["LOST (must be 0)", f((r) => r.check.figures.lost)],
    ["UNEXPECTED (must be 0)", f((r) => r.check.figures.unexpected)],
    ["DUPLICATE COMPLETIONS (must be 0)", f((r) => r.check.figures.duplicateCompletions)],
    ["deliveries / duplicate deliveries", `${f((r) => r.check.figures.deliveries)} / ${f((r) => r.check.figures.duplicateDeliveries)}`],
    ["leases granted", f((r) => r.check.figures.leasesGranted)],
    ["takeovers", f((r) => r.check.figures.takeovers)],
    ["fenced writes rejected", f((r) => r.check.figures.fencedRejections)],
    ["STALE WRITES ACCEPTED (must be 0)", f((r) => r.check.figures.staleWritesAccepted)],
    ["workers stalled past their lease / fenced after resuming", `${f((r) => r.check.figures.stalledPastLease)} / ${f((r) => r.check.figures.stalledFenced)}`],
    ["dead letters replayed", f((r) => r.check.figures.replays)],
    ["agent kills / pauses / drains / poison crashes", `${f((r) => r.check.figures.agentKills)} / ${f((r) => r.check.figures.agentPauses)} / ${f((r) => r.check.figures.agentDrains)} / ${f((r) => r.check.figures.poisonCrashes)}`],
    ["coordinator crashes", f((r) => r.check.figures.coordinatorCrashes)],
    ["faults injected", JSON.stringify(faults)],
    ["lever faults injected", JSON.stringify(levers)],
    [
      "pauses committed: product finish/drain/stop, pool pause/drain, budget ceilings reached",
      `${productPauses.finish ?? 0}/${productPauses.drain ?? 0}/${productPauses.stop ?? 0}, ${l((x) => x.pauses.poolPauses)}/${l((x) => x.pauses.poolDrains)}, ${l((x) => x.pauses.ceilingsReached)}`,
    ],
    ["assignments judged against pauses and ceilings", l((x) => x.pauses.assignmentsChecked)],
    ["ASSIGNED WHILE PAUSED (must be 0)", violated("assigned-while-paused")],
    ["delayed assignments judged / ASSIGNED BEFORE notBefore (must be 0)", `${l((x) => x.delayedAssignments)} / ${violated("assigned-before-not-before")}`],
    ["preemptions requested / done", `${l((x) => x.checkpoints.preemptionsRequested)} / ${l((x) => x.checkpoints.preemptions)}`],
    ["drained releases / next attempts started from the checkpoint kept", `${l((x) => x.checkpoints.drainedReleases)} / ${l((x) => x.checkpoints.resumedFromCheckpoint)}`],
    ["CHECKPOINTS LOST (must be 0)", violated("checkpoint-lost")],
    [
      "schedule occurrences owed / submitted once / late (coordinator down, store refusing) / skipped under overlap skip (excused)",
      `${l((x) => x.schedules.expected)} / ${l((x) => x.schedules.submitted)} / ${l((x) => x.schedules.late)} / ${l((x) => x.schedules.skippedForOverlap)}`,
    ],
    ["SCHEDULE OCCURRENCES TWICE / SKIPPED (must be 0)", `${violated("schedule-submitted-twice")} / ${violated("schedule-occurrence-skipped")}`],
    ["spend accrued / runs costed / spend readings judged", `${(l((x) => x.spend.accruedMicro) / 1e6).toFixed(2)} USD / ${l((x) => x.spend.costedRuns)} / ${l((x) => x.spend.readings)}`],
    ["SPEND MISMATCHES (must be 0)", violated("spend-mismatch")],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
  const failing = results.filter((r) => !r.check.ok);
  for (const r of failing) {
    process.stdout.write(`\nseed ${r.seed} FAILED:\n${r.check.violations.map((v) => `  - [${v.invariant}] ${v.message}`).join("\n")}\n  replay: npm run chaos -- sim --seeds ${r.seed}..${r.seed} --jobs ${jobs}${fencing ? "" : " --no-fencing"}${bug === undefined ? "" : ` --bug ${bug}`}\n`);
  }
  const dir = flag("--report") ?? "reports";
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `chaos-sim-${from}-${to}.json`);
  writeFileSync(
    path,
    JSON.stringify(
      {
        mode: "sim",
        seeds: [from, to],
        jobs,
        fencing,
        wallMs,
        summary: Object.fromEntries(rows),
        runs: results.map((r) => ({ seed: r.seed, hash: r.hash, ok: r.check.ok, violations: r.check.violations, figures: r.check.figures, faults: r.faults, plan: r.plan, simulatedMs: r.simulatedMs })),
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nJSON report: ${path}\n${failing.length === 0 ? "every invariant held" : `${failing.length} seed(s) violated an invariant`}\n`);
  return failing.length === 0 ? 0 : 1;
}

/** Live scenarios: real processes on 127.0.0.1, one after another. */
async function runLive(names: string[], jobs: number, dir: string, faultSeconds?: number): Promise<number> {
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 10_000) throw new Error("--jobs must be a whole number from 1 to 10000");
  const results: ScenarioResult[] = [];
  const started = performance.now();
  for (const name of names) {
    const scenario = SCENARIOS.find((s) => s.name === name)!;
    const result = await runScenario(scenario, jobs, (line) => process.stderr.write(`\r${line}          `), faultSeconds === undefined ? {} : { faultSeconds });
    process.stderr.write("\n");
    results.push(result);
  }
  const header = ["scenario", "ok", "jobs", "shipped", "dead letters", "lost", "dup. completions", "fenced", "publish failures", "broker proxy refused/reset/dropped", "store proxy refused/reset", "faults", "seconds"];
  const rows = results.map((r) => [
    r.name,
    r.ok ? "yes" : "NO",
    r.figures.jobs,
    r.figures.shipped,
    r.figures.deadLettered,
    r.figures.lost,
    r.figures.duplicateCompletions,
    r.figures.fencedRejections,
    r.figures.publishFailures,
    `${r.figures.proxy.refused}/${r.figures.proxy.resets}/${r.figures.proxy.droppedChunks}`,
    `${r.figures.storeProxy.refused}/${r.figures.storeProxy.resets}`,
    Object.entries(r.figures.faults).map(([k, v]) => `${k} ${v}`).join(", ") || "poison jobs",
    r.seconds.toFixed(0),
  ]);
  process.stdout.write(`| ${header.join(" | ")} |\n|${header.map(() => " --- ").join("|")}|\n${rows.map((row) => `| ${row.join(" | ")} |`).join("\n")}\n`);
  process.stdout.write(
    `\nlatency (s): submit→accept p50/p99, submit→shipped p50/p99, outbox max lag\n${results
      .map((r) => {
        const l = r.figures.latency;
        return `  ${r.name.padEnd(18)} ${l.acceptP50}/${l.acceptP99}  ${l.shippedP50}/${l.shippedP99}  ${l.outboxMaxLagS}`;
      })
      .join("\n")}\n`,
  );
  for (const r of results.filter((x) => !x.ok)) {
    const shown = r.violations.slice(0, 20).map((v) => `  - ${v}`);
    if (r.violations.length > 20) shown.push(`  ... and ${r.violations.length - 20} more (see the JSON report)`);
    process.stdout.write(`\n${r.name} FAILED:\n${shown.join("\n")}\n  replay: npm run chaos -- ${r.name}\n`);
  }
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `chaos-live-${names.length === 1 ? names[0] : "all"}`);
  writeFileSync(`${base}.json`, JSON.stringify({ mode: "live", jobsPerScenario: jobs, wallSeconds: (performance.now() - started) / 1000, results }, null, 2));
  writeFileSync(`${base}.html`, renderHtmlReport(results, `Fleet Dispatch live chaos (${new Date().toISOString()})`));
  process.stdout.write(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; reports: ${base}.json, ${base}.html\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos failed: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.FLEET_DEBUG !== undefined && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(2);
  },
);
