import { resolve } from "node:path";
import { UsageError, wholeNumber, type EntryArgs } from "../composition/entry-point.js";
import { E2E_FULL, E2E_MODEST, type E2eOptions } from "./e2e/e2e-options.js";

export const BENCH_OPTIONS = {
  json: { type: "boolean" },
  quick: { type: "boolean" },
  e2e: { type: "boolean" },
  rates: { type: "string" },
  jobs: { type: "string" },
  seconds: { type: "string" },
  agents: { type: "string" },
  seats: { type: "string" },
  "idle-seconds": { type: "string" },
  bulk: { type: "boolean" },
  profile: { type: "string" },
} as const;

export const BENCH_OPTION_HELP: readonly (readonly [string, string])[] = [
  ["--json", "print one JSON report on stdout instead of the human lines (progress goes to stderr)"],
  ["--quick", "smaller sizes (10k and 100k queued, fewer writes, the modest end-to-end run): a few minutes"],
  ["--e2e", "only the end-to-end figures, at full size: the whole stack as processes, and the core in one process"],
  ["--rates LIST", `end to end: offered jobs/s, comma-separated (full ${E2E_FULL.rates.join(",")}; default run ${E2E_MODEST.rates.join(",")})`],
  ["--jobs N", "end to end: jobs per rate (default: the rate times --seconds)"],
  ["--seconds N", `end to end: seconds of offered load per rate (full ${E2E_FULL.seconds}; default run ${E2E_MODEST.seconds})`],
  ["--agents N", `end to end: factory agent processes, 1-64 (default ${E2E_FULL.agents})`],
  ["--seats N", `end to end: seats per agent, 1-64 (default ${E2E_FULL.seats})`],
  ["--idle-seconds N", `end to end: length of each idle window, 0 skips them (full ${E2E_FULL.idleSeconds}; default run ${E2E_MODEST.idleSeconds})`],
  ["--bulk", "end to end: submit through POST /fleet/jobs/batch where the coordinator serves it (single submits otherwise)"],
  ["--profile DIR", "end to end: every process of the stack writes a V8 CPU profile (.cpuprofile) to DIR when it stops"],
];

export interface BenchPlan {
  json: boolean;
  quick: boolean;
  /** Only the end-to-end figures. */
  e2eOnly: boolean;
  e2e: E2eOptions;
}

function rateList(raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const parts = raw.split(",").map((part) => part.trim());
  if (parts.length === 0 || parts.length > 10 || parts.some((part) => !/^\d+$/.test(part) || Number(part) < 1 || Number(part) > 100_000)) {
    throw new UsageError(`--rates must be 1 to 10 whole numbers of jobs per second from 1 to 100000, comma-separated, not '${raw}'`);
  }
  return parts.map(Number);
}

/** What `npm run bench` measures, from its options; a bad value is a UsageError naming it. */
export function benchPlan(args: EntryArgs): BenchPlan {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
  const e2eOnly = args.flag("e2e");
  const base = e2eOnly ? E2E_FULL : E2E_MODEST;
  const jobs = args.text("jobs");
  return {
    json: args.flag("json"),
    quick: args.flag("quick"),
    e2eOnly,
    e2e: {
      ...base,
      rates: rateList(args.text("rates"), base.rates),
      jobs: jobs === undefined ? undefined : wholeNumber("--jobs", jobs, 0, 1, 10_000_000),
      seconds: wholeNumber("--seconds", args.text("seconds"), base.seconds, 1, 3600),
      agents: wholeNumber("--agents", args.text("agents"), base.agents, 1, 64),
      seats: wholeNumber("--seats", args.text("seats"), base.seats, 1, 64),
      idleSeconds: wholeNumber("--idle-seconds", args.text("idle-seconds"), base.idleSeconds, 0, 3600),
      bulk: args.flag("bulk"),
      ...(args.text("profile") === undefined ? {} : { profileDir: resolve(args.text("profile")!) }),
    },
  };
}
