import type { CoreInProcessResult } from "./e2e/core-in-process.js";
import type { E2eReport } from "./e2e/e2e-benchmark.js";
import type { RatePhaseResult } from "./e2e/rate-phase.js";
import type { LifecycleCost } from "./lifecycle-cost.js";

export interface TargetRow {
  figure: string;
  measured: string;
  target: string;
  /** "yes", "no", or "n/a" where this run did not measure the figure. */
  met: "yes" | "no" | "n/a";
}

export interface TargetInputs {
  e2e: E2eReport | undefined;
  core: CoreInProcessResult | undefined;
  /** Store cost with three stage reports (the lifecycle figure; not part of --e2e). */
  lifecycle: LifecycleCost | undefined;
}

const n = (value: number) => value.toLocaleString("en");
const verdict = (ok: boolean): "yes" | "no" => (ok ? "yes" : "no");
const NOT_RUN = (figure: string, target: string, why: string): TargetRow => ({ figure, measured: `not measured (${why})`, target, met: "n/a" });

/** The phase with the highest offered rate: where the per-job costs are read for the table. */
function busiest(e2e: E2eReport | undefined): RatePhaseResult | undefined {
  return e2e?.rates.reduce<RatePhaseResult | undefined>((best, phase) => (best === undefined || phase.offeredRate > best.offeredRate ? phase : best), undefined);
}

/** The targets of the performance requirement, with what this run measured against each. */
export function targetRows({ e2e, core, lifecycle }: TargetInputs): TargetRow[] {
  const rows: TargetRow[] = [];
  const top = busiest(e2e);
  const noE2e = "the end-to-end benchmark did not run";
  const fullTarget = ">= 4,000 jobs/s (all processes together <= 500 us of CPU per job on two cores)";
  if (top === undefined || e2e === undefined) rows.push(NOT_RUN("full local stack, end to end, no-op jobs, real SDKs", fullTarget, noE2e));
  else {
    const best = Math.max(...e2e.rates.map((phase) => phase.throughputJobsPerSecond));
    rows.push({
      figure: "full local stack, end to end, no-op jobs, real SDKs",
      measured: `${n(best)} jobs/s (best phase); ${n(top.cpuUsPerJob.total!)} us CPU/job all processes at ${n(top.offeredRate)}/s offered`,
      target: fullTarget,
      met: verdict(best >= 4000 && top.cpuUsPerJob.total! <= 500),
    });
  }
  const at = top === undefined ? "" : ` at ${n(top.offeredRate)}/s offered`;
  const coordinatorTarget = "<= 250 us";
  rows.push(
    top === undefined
      ? NOT_RUN("coordinator CPU per job on the Cosmos SDK path (peer not counted)", coordinatorTarget, noE2e)
      : {
          figure: "coordinator CPU per job on the Cosmos SDK path (peer not counted)",
          measured: `${n(top.cpuUsPerJob.coordinator!)} us (peer apart: ${n(top.cpuUsPerJob["cosmos peer"]!)} us)${at}`,
          target: coordinatorTarget,
          met: verdict(top.cpuUsPerJob.coordinator! <= 250),
        },
  );
  rows.push(
    top === undefined
      ? NOT_RUN("agent-side CPU per job (receive, accept, settle, release)", "<= 200 us", noE2e)
      : {
          figure: "agent-side CPU per job (receive, accept, settle, release)",
          measured: `${n(top.cpuUsPerJob.agents ?? 0)} us (${e2e!.setup.agents} agents x ${e2e!.setup.seats} seats)${at}`,
          target: "<= 200 us",
          met: verdict((top.cpuUsPerJob.agents ?? 0) <= 200),
        },
  );
  rows.push(latencyRow(e2e, 500, "p50 <= 5 ms, p99 <= 20 ms", (phase) => phase.submitToAccept.p50Ms <= 5 && phase.submitToAccept.p99Ms <= 20));
  rows.push(latencyRow(e2e, 2000, "p99 <= 50 ms", (phase) => phase.submitToAccept.p99Ms <= 50));
  rows.push(
    core === undefined
      ? NOT_RUN("core in one process (memory ports), end to end", ">= 30,000 jobs/s", "not part of this run")
      : {
          figure: "core in one process (memory ports), end to end",
          measured: `${n(core.jobsPerSecond)} jobs/s, ${n(core.cpuUsPerJob)} us CPU/job (${core.agents} agents x ${core.seats} seats)`,
          target: ">= 30,000 jobs/s",
          met: verdict(core.jobsPerSecond >= 30_000),
        },
  );
  const storeTarget = "3 writes, <= 20 RU, 0 reads, 0 queries";
  rows.push(
    top === undefined
      ? NOT_RUN("store cost per job, shipped without stage reports", storeTarget, noE2e)
      : {
          figure: "store cost per job, shipped without stage reports",
          measured: `${top.storePerJob.writes} writes, ${top.storePerJob.ru} RU, ${top.storePerJob.reads} reads, ${top.storePerJob.queries} queries (end to end${at})`,
          target: storeTarget,
          met: verdict(top.storePerJob.writes <= 3 && top.storePerJob.ru <= 20 && top.storePerJob.reads === 0 && top.storePerJob.queries === 0),
        },
  );
  const withReportsTarget = "5 writes, <= 35 RU, 0 reads, 0 queries";
  rows.push(
    lifecycle === undefined
      ? NOT_RUN("store cost per job, with 3 stage reports", withReportsTarget, "the lifecycle figure runs in the default npm run bench, not with --e2e")
      : {
          figure: "store cost per job, with 3 stage reports",
          measured: `${lifecycle.writesPerJob} writes, ${lifecycle.estimatedRuPerJob.toFixed(1)} RU, ${lifecycle.pointReadsPerJob} reads, ${lifecycle.queriesPerJob} queries (in process)`,
          target: withReportsTarget,
          met: verdict(lifecycle.writesPerJob <= 5 && lifecycle.estimatedRuPerJob <= 35 && lifecycle.pointReadsPerJob === 0 && lifecycle.queriesPerJob === 0),
        },
  );
  const idleTarget = "0 store and 0 broker operations per minute with no work (measured)";
  const idle = e2e?.idle;
  if (idle === undefined) rows.push(NOT_RUN("idle cost", idleTarget, e2e === undefined ? noE2e : "idle windows skipped (--idle-seconds 0)"));
  else {
    const zero = idle.scaledToZero;
    const warm = idle.withIdleAgents;
    rows.push({
      figure: "idle cost, agents scaled to zero",
      measured: `store ${zero.storePerMinute.total}/min, broker ${zero.brokerPerMinute.total}/min (over ${zero.seconds} s)`,
      target: idleTarget,
      met: verdict(zero.storePerMinute.total === 0 && zero.brokerPerMinute.total === 0),
    });
    rows.push({
      figure: "idle cost, idle agents running",
      measured: `store ${warm.storePerMinute.total}/min, broker ${warm.brokerPerMinute.total}/min (over ${warm.seconds} s, ${e2e!.setup.agents} agents)`,
      target: idleTarget,
      met: verdict(warm.storePerMinute.total === 0 && warm.brokerPerMinute.total === 0),
    });
  }
  return rows;
}

function latencyRow(e2e: E2eReport | undefined, rate: number, target: string, ok: (phase: RatePhaseResult) => boolean): TargetRow {
  const figure = `submit -> accept at an offered ${n(rate)} jobs/s, full stack`;
  const phase = e2e?.rates.find((candidate) => candidate.offeredRate === rate);
  if (phase === undefined) return NOT_RUN(figure, target, e2e === undefined ? "the end-to-end benchmark did not run" : `${n(rate)}/s was not among the rates`);
  const unshipped = phase.jobs - phase.shipped;
  return {
    figure,
    measured: `p50 ${n(phase.submitToAccept.p50Ms)} ms, p99 ${n(phase.submitToAccept.p99Ms)} ms (${n(phase.throughputJobsPerSecond)} jobs/s achieved${unshipped > 0 ? `, ${n(unshipped)} not shipped in time` : ""})`,
    target,
    met: verdict(ok(phase) && unshipped === 0),
  };
}

/** The table as Markdown: figure | measured | target | met. */
export function targetsTable(rows: TargetRow[]): string {
  const lines = ["| figure | measured | target | met |", "| --- | --- | --- | --- |"];
  for (const row of rows) lines.push(`| ${row.figure} | ${row.measured} | ${row.target} | ${row.met} |`);
  return lines.join("\n");
}
