import type { JobDoc } from "../../contracts/index.js";
import { checkLeaderStamps } from "../leadership/check-leader-stamps.js";
import { recordFencedFromLog } from "../history/agent-log-observations.js";
import { checkHistory } from "../history/check-history.js";
import { History } from "../history/history.js";
import { recordTimeline } from "../history/timeline-commits.js";
import { jobLatencies, outcomeFigures, proxyFigures } from "./scenario-figures.js";
import type { ProcessScenario, ProcessScenarioContext } from "./process-scenario.js";
import { ProcessStack } from "./process-stack.js";
import type { ScenarioResult, Sample } from "./run-scenario.js";
import { seededRandom } from "./seeded-random.js";

/** Outbox counters per coordinator process incarnation (a restart starts them at zero). */
const OUTBOX_COUNTERS = ["fleet_outbox_publish_failures_total", "fleet_outbox_republished_total", "fleet_outbox_oldest_pending_seconds"] as const;

/**
 * Runs a scenario whose parts are separate processes: real SIGKILLs and restarts of the store,
 * the broker and the coordinator (or its replicas), everything through the public API. Then heals,
 * drains (bounded), replays the dead letters and drains again, and checks the recorded history
 * with the shared checker: the submissions as they happened, every job's committed timeline as
 * the store holds it (every job, so an invented one shows), what the broker accepted (its publish
 * trace) and what the agents logged about being fenced; with replicas also the leader epochs on
 * every event against the lease's history; and what the scenario itself promises.
 */
export async function runProcessScenario(
  scenario: ProcessScenario,
  jobs: number,
  progress: (line: string) => void = () => undefined,
  options: { faultSeconds?: number } = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const seed = Number(process.env.FLEET_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = seededRandom(seed);
  const history = new History(() => Date.now());
  const stack = new ProcessStack(scenario.layout);
  const faults: Record<string, number> = {};
  const facts: Record<string, string | number> = { seed };
  const faultWindows: { fault: string; from: number; to: number }[] = [];
  const samples: Sample[] = [];
  const violations: string[] = [];
  const ids: string[] = [];
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const outbox = new Map<string, Record<(typeof OUTBOX_COUNTERS)[number], number>>();
  let sampler: NodeJS.Timeout | undefined;
  try {
    await stack.start();
    recordAgentSignals(stack, history);
    for (let i = 0; i < scenario.agents; i++) stack.startAgent(scenario.agentEnv);
    let lastOpen = 0;
    let sampling = false;
    sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void (async () => {
        lastOpen = await stack.api.openJobs().catch(() => lastOpen);
        for (const handle of stack.coordinators) {
          if (!handle.child.running()) continue;
          const values = await readMetrics(handle.url, ["process_start_time_seconds", ...OUTBOX_COUNTERS]);
          const start = values.process_start_time_seconds;
          if (start === undefined || values.fleet_outbox_publish_failures_total === undefined) continue;
          const key = `${handle.index}@${start}`;
          const before = outbox.get(key);
          outbox.set(key, {
            fleet_outbox_publish_failures_total: values.fleet_outbox_publish_failures_total,
            fleet_outbox_republished_total: values.fleet_outbox_republished_total ?? 0,
            fleet_outbox_oldest_pending_seconds: Math.max(before?.fleet_outbox_oldest_pending_seconds ?? 0, values.fleet_outbox_oldest_pending_seconds ?? 0),
          });
        }
        samples.push({ t: (Date.now() - started) / 1000, shipped: Math.max(0, ids.length - lastOpen), open: lastOpen, deadLetters: 0, agents: stack.liveAgents().length, acceptP50: null, acceptP99: null, shippedP50: null, shippedP99: null });
      })().finally(() => {
        sampling = false;
      });
    }, 500);

    let submitted = 0;
    const submitOne = async (api = stack.api) => {
      const n = submitted++;
      const key = `${scenario.name}-${n}`;
      const op = history.invoke({ kind: "submit", actor: "client", key, poison: false });
      const answer = await api.submit(jobBody(key, n), 45_000);
      if (answer.outcome === "ok") {
        history.complete(op, "ok", { jobId: answer.jobId });
        ids.push(answer.jobId);
      } else {
        history.complete(op, "unknown", { code: answer.reason.slice(0, 60) });
      }
    };
    const submit = async (count: number) => {
      for (let i = 0; i < count; i++) await submitOne();
    };
    const ctx: ProcessScenarioContext = {
      stack,
      history,
      sleep,
      note: (fault) => {
        faults[fault] = (faults[fault] ?? 0) + 1;
        faultWindows.push({ fault, from: (Date.now() - started) / 1000, to: Number.NaN });
      },
      fact: (name, value) => {
        facts[name] = value;
      },
      faultMs: (defaultMs) => (options.faultSeconds === undefined ? defaultMs : options.faultSeconds * 1000),
      random,
      submit,
      submitTo: async (url, count) => {
        const direct = stack.apiAt(url);
        await Promise.all(Array.from({ length: count }, () => submitOne(direct)));
      },
      trickle: (everyMs) => {
        let stopped = false;
        const running = (async () => {
          while (!stopped) {
            await submitOne();
            await sleep(everyMs);
          }
        })();
        return {
          stop: async () => {
            stopped = true;
            await running;
          },
        };
      },
      crashed: (index) => history.instant({ kind: "fault", fault: "coordinator-crash", actor: `coordinator-${index}` }),
      restarted: (index) => history.instant({ kind: "fault", fault: "coordinator-restart", actor: `coordinator-${index}` }),
    };
    await submit(jobs);
    await scenario.inject(ctx);
    const healedAt = (Date.now() - started) / 1000;
    for (const window of faultWindows) if (Number.isNaN(window.to)) window.to = healedAt;
    await stack.restoreAll();
    history.instant({ kind: "fault", fault: "heal", actor: "chaos" });

    const drainSeconds = scenario.drainSeconds ?? 120;
    const drain = async (): Promise<boolean> => {
      const deadline = Date.now() + drainSeconds * 1000;
      for (;;) {
        while (stack.liveAgents().length < scenario.agents) stack.startAgent(scenario.agentEnv);
        const open = await stack.api.openJobs().catch(() => undefined);
        progress(`${scenario.name}: ${open === undefined ? "?" : ids.length - open}/${ids.length} terminal`);
        if (open === 0) return true;
        if (Date.now() > deadline) return false;
        await sleep(500);
      }
    };
    let drainedInTime = await drain();
    const replays = await replayDeadLetters(stack, history);
    if (replays > 0) drainedInTime = (await drain()) && drainedInTime;

    // The committed history, as the store holds it: every job, with its whole timeline.
    const stored = await stack.api.allJobs();
    const final: JobDoc[] = [];
    for (const job of stored) {
      const events = await stack.api.timeline(job);
      final.push({ ...job, events });
      recordTimeline(history, job, events);
    }
    for (const publish of stack.publishes()) {
      const at = publish.messageId.lastIndexOf(":");
      if (at < 0) continue;
      history.instant({ kind: "publish", actor: "relay", jobId: publish.messageId.slice(0, at), epoch: Number(publish.messageId.slice(at + 1)) }, publish.at);
    }
    let fenced = 0;
    for (const agent of stack.agents) fenced += recordFencedFromLog(history, agent.id, agent.output());
    const relayPending = (await leaderMetric(stack, "fleet_outbox_pending")) ?? 0;
    const check = checkHistory({ history: history.operations, healedAt: started + healedAt * 1000, outboxBoundMs: 30_000, relayPending, drainedInTime, replayMustShip: false });
    for (const v of check.violations) violations.push(`[${v.invariant}] ${v.message}`);
    if (scenario.layout.coordinators > 1) {
      const lease = await stack.leaderLease();
      const stamps = checkLeaderStamps(final, lease?.history ?? []);
      violations.push(...stamps.violations);
      facts["leader epochs"] = (lease?.history ?? []).map((t) => t.epoch).join(",");
      facts["epochs that wrote"] = stamps.figures.epochsThatWrote.join(",");
      facts["late leader writes"] = stamps.figures.lateWrites;
      facts["replicas restarted after stepping down"] = stack.unexpectedExits.length;
    }
    violations.push(...(await scenario.verify({ stack, jobs: final, facts, faults })));
    if (Object.keys(faults).length === 0) violations.push("faults did not fire: nothing was injected");
    const mine = final.filter((job) => ids.includes(job.id));
    const counters = [...outbox.values()];
    const sum = (name: (typeof OUTBOX_COUNTERS)[number]) => counters.reduce((a, c) => a + c[name], 0);
    facts["submissions with unknown outcome"] = check.figures.unknownOutcome;
    facts.recovered = check.figures.recovered;
    facts.publishes = stack.publishes().length;
    return {
      name: scenario.name,
      description: scenario.description,
      samples,
      faultWindows,
      ok: violations.length === 0,
      violations,
      seconds: (Date.now() - started) / 1000,
      facts,
      figures: {
        jobs: ids.length,
        ...outcomeFigures(mine, check.figures),
        fencedRejections: fenced,
        replays,
        publishFailures: sum("fleet_outbox_publish_failures_total"),
        republished: sum("fleet_outbox_republished_total"),
        ...proxyFigures(stack.proxy, stack.storeProxy),
        latency: {
          ...jobLatencies(mine),
          outboxMaxLagS: Math.max(0, ...counters.map((c) => c.fleet_outbox_oldest_pending_seconds)),
        },
        faults,
      },
    };
  } finally {
    if (sampler !== undefined) clearInterval(sampler);
    await stack.stop();
  }
}

/** The body of a chaos job: quick, healthy work. */
function jobBody(key: string, n: number) {
  return {
    idempotencyKey: key,
    bodyMd: `job ${n}`,
    persona: "engineer",
    capabilities: ["lang:ts"],
    priority: "medium" as const,
    retry: { max: 2, backoffSeconds: 1, backoffMaxSeconds: 2 },
    deps: [],
    depsMode: "hard" as const,
    kind: "leaf" as const,
  };
}

/** Records the signals the scenario sends to agents, as they happen. */
function recordAgentSignals(stack: ProcessStack, history: History): void {
  const startAgent = stack.startAgent.bind(stack);
  stack.startAgent = (env, options) => {
    const agent = startAgent(env, options);
    const kill = agent.child.kill.bind(agent.child);
    agent.child.kill = (signal?: NodeJS.Signals | number) => {
      const fault = signal === "SIGKILL" ? "agent-kill" : signal === "SIGSTOP" ? "agent-pause" : signal === "SIGCONT" ? "agent-resume" : undefined;
      if (fault !== undefined) history.instant({ kind: "fault", fault, actor: agent.id });
      return kill(signal);
    };
    return agent;
  };
}

/** Replays every dead letter through the API, once, as an operator after the incident. */
async function replayDeadLetters(stack: ProcessStack, history: History): Promise<number> {
  const page = await stack.api.json<{ items: { jobId: string }[] }>("GET", "/fleet/dlq?limit=500");
  history.instant({ kind: "dlq-list", actor: "operator", jobIds: page.items.map((item) => item.jobId) });
  for (const item of page.items) {
    const op = history.invoke({ kind: "replay", actor: "operator", jobId: item.jobId });
    const answer = await stack.api.callRetrying("POST", `/fleet/dlq/${encodeURIComponent(item.jobId)}/replay`);
    if (answer.answered && answer.status === 200) history.complete(op, "ok");
    else history.complete(op, "fail", { code: answer.answered ? String(answer.status) : "UNREACHABLE" });
  }
  return page.items.length;
}

/** A metric of whichever coordinator process leads (or the only one). */
async function leaderMetric(stack: ProcessStack, name: string): Promise<number | undefined> {
  const index = stack.coordinators.length === 1 ? 0 : await stack.leaderIndex();
  if (index === undefined) return undefined;
  return (await readMetrics(stack.coordinators[index]!.url, [name]))[name];
}

async function readMetrics(url: string, names: readonly string[]): Promise<Record<string, number | undefined>> {
  const values: Record<string, number | undefined> = {};
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) });
    const text = await response.text();
    for (const line of text.split("\n")) {
      const space = line.lastIndexOf(" ");
      const name = line.slice(0, space).replace(/\{\}$/, "");
      if (names.includes(name)) values[name] = Number(line.slice(space + 1));
    }
  } catch {
    // Not answering right now (killed, restarting): the next sample reads it.
  }
  return values;
}
