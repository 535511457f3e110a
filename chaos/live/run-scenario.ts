import { FleetError, type JobDoc, type JobEvent } from "../../contracts/index.js";
import { DeadLetterView } from "../../coordinator/service/dead-letter-view.js";
import { isStoreError } from "../../store/port.js";
import type { CommitListener } from "../../coordinator/service/job-book.js";
import { recordFencedFromLog } from "../history/agent-log-observations.js";
import { checkHistory } from "../history/check-history.js";
import { History } from "../history/history.js";
import { recordTimeline } from "../history/timeline-commits.js";
import { LiveStack } from "./live-stack.js";
import { percentile } from "./percentile.js";
import { jobLatencies, outcomeFigures, proxyFigures } from "./scenario-figures.js";
import type { ProcessScenario } from "./process-scenario.js";
import { runProcessScenario } from "./run-process-scenario.js";
import type { Scenario } from "./scenarios.js";

export interface Sample {
  t: number;
  shipped: number;
  open: number;
  deadLetters: number;
  agents: number;
  /** Seconds from submission to first accept and to shipped, p50/p99 over the jobs that got
   * there in the LATENCY_WINDOW_S before the sample; null when none did. */
  acceptP50: number | null;
  acceptP99: number | null;
  shippedP50: number | null;
  shippedP99: number | null;
}

const LATENCY_WINDOW_S = 5;

export interface ScenarioResult {
  name: string;
  description: string;
  samples: Sample[];
  faultWindows: { fault: string; from: number; to: number }[];
  ok: boolean;
  violations: string[];
  seconds: number;
  /** What a scenario measured beyond the shared figures (takeover time, revocation delay, seed). */
  facts?: Record<string, string | number>;
  figures: {
    jobs: number;
    shipped: number;
    deadLettered: number;
    lost: number;
    duplicateCompletions: number;
    fencedRejections: number;
    /** Workers stopped past their lease, and how many of them were fenced after they resumed
     * (absent from reports written before the history checker). */
    stalledPastLease?: number;
    stalledFenced?: number;
    /** Dead letters replayed after the drain. */
    replays?: number;
    publishFailures: number;
    republished: number;
    proxy: { refused: number; resets: number; droppedChunks: number };
    /** The proxy in front of the store (local peer only). */
    storeProxy: { refused: number; resets: number; delayedChunks: number };
    /** Seconds from submission to first accept and to shipped, p50/p99; the relay's worst lag. */
    latency: { acceptP50: number; acceptP99: number; shippedP50: number; shippedP99: number; outboxMaxLagS: number };
    faults: Record<string, number>;
  };
}

/**
 * Runs one live scenario: real agent processes, the real SDKs, faults injected through the proxy,
 * signals and restarts; then heals, drains (bounded), replays the dead letters and drains again,
 * and checks the recorded history (chaos/history): submissions, signals and coordinator restarts
 * as they happened, every job's committed timeline read back from the store, and what the agents
 * logged about being fenced. Also checks that the fault fired on the wire.
 */
export async function runScenario(
  scenario: Scenario | ProcessScenario,
  jobs: number,
  progress: (line: string) => void = () => undefined,
  options: { faultSeconds?: number } = {},
): Promise<ScenarioResult> {
  if (scenario.kind === "processes") return runProcessScenario(scenario, jobs, progress, options);
  const started = Date.now();
  const history = new History(() => Date.now());
  const stack = new LiveStack();
  await stack.start();
  recordSignalsAndRestarts(stack, history);
  const faults: Record<string, number> = {};
  const faultWindows: { fault: string; from: number; to: number }[] = [];
  const note = (fault: string) => {
    faults[fault] = (faults[fault] ?? 0) + 1;
    faultWindows.push({ fault, from: (Date.now() - started) / 1000, to: Number.NaN });
  };
  const samples: Sample[] = [];
  // Latencies as they happen (from the commit feed: no store reads), for percentiles over time.
  const accepted: { at: number; s: number }[] = [];
  const shippedAt: { at: number; s: number }[] = [];
  const observe: CommitListener = (previous, next) => {
    if (previous?.attempts === 0 && next.attempts === 1 && next.runs[0] !== undefined) accepted.push({ at: Date.now(), s: (next.runs[0].startedAt - next.createdAt) / 1000 });
    if (previous !== undefined && previous.stage !== "shipped" && next.stage === "shipped") shippedAt.push({ at: Date.now(), s: (next.updatedAt - next.createdAt) / 1000 });
  };
  // A scenario may replace the coordinator (crash and restart): follow whichever one runs.
  let observed: LiveStack["app"] | undefined;
  const follow = () => {
    if (stack.app === observed) return;
    observed = stack.app;
    observed.coordinator.onCommit(observe);
  };
  follow();
  const recent = (list: { at: number; s: number }[]) => {
    const since = Date.now() - LATENCY_WINDOW_S * 1000;
    while (list.length > 0 && list[0]!.at < since) list.shift();
    return list.map((entry) => entry.s);
  };
  const windowed = (values: number[], p: number) => (values.length === 0 ? null : percentile(values, p));
  let sampling = false;
  const sampler = setInterval(() => {
    if (sampling) return;
    sampling = true;
    // From the coordinator's in-memory counters: no store reads while a herd is running.
    void Promise.resolve()
      .then(() => {
        const open = Object.values(stack.app.coordinator.queueState().byStage).reduce((a, b) => a + b, 0);
        const counters = stack.app.coordinator.counters;
        follow();
        const accepts = recent(accepted);
        const ships = recent(shippedAt);
        samples.push({
          t: (Date.now() - started) / 1000,
          shipped: counters.shipped,
          open,
          deadLetters: counters.deadLettered,
          agents: stack.liveAgents().length,
          acceptP50: windowed(accepts, 0.5),
          acceptP99: windowed(accepts, 0.99),
          shippedP50: windowed(ships, 0.5),
          shippedP99: windowed(ships, 0.99),
        });
      })
      .finally(() => {
        sampling = false;
      });
  }, 500);
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const violations: string[] = [];
  const ids: string[] = [];
  try {
    for (let i = 0; i < scenario.agents; i++) stack.startAgent(scenario.agentEnv);
    let submitted = 0;
    const submitOne = async () => {
      {
        const n = submitted++;
        const isPoison = scenario.poisonRate !== undefined && n % Math.round(1 / scenario.poisonRate) === 0;
        const op = history.invoke({ kind: "submit", actor: "client", key: `${scenario.name}-${n}`, poison: isPoison });
        // As a client of the API would: a 503 from the store (throttled, timed out, connection cut)
        // is retried with the same idempotency key, so an unknown outcome cannot make two jobs.
        const { job } = await withStoreRetries(() =>
          stack.app.coordinator.submit("chaos", {
          idempotencyKey: `${scenario.name}-${n}`,
          bodyMd: isPoison ? "poison\nsim:poison" : `job ${n}`,
          persona: "engineer",
          capabilities: ["lang:ts"],
          priority: "medium",
          retry: { max: 2, backoffSeconds: 1, backoffMaxSeconds: 2 },
          deps: [],
          depsMode: "hard",
          kind: "leaf",
        }),
        ).catch((error: unknown) => {
          history.complete(op, "unknown", { code: error instanceof Error ? error.name : "error" });
          throw error;
        });
        history.complete(op, "ok", { jobId: job.id });
        ids.push(job.id);
      }
    };
    const submit = async (count: number, together = false) => {
      if (together) {
        for (let done = 0; done < count; done += 500) await Promise.all(Array.from({ length: Math.min(500, count - done) }, submitOne));
      } else {
        for (let i = 0; i < count; i++) await submitOne();
      }
      stack.app.loop.kick();
    };
    await submit(jobs);
    stack.app.loop.kick();
    const faultMs = (defaultMs: number) => (options.faultSeconds === undefined ? defaultMs : options.faultSeconds * 1000);
    await scenario.inject({ stack, sleep, note, submit, faultMs });
    const healedAt = (Date.now() - started) / 1000;
    for (const window of faultWindows) if (Number.isNaN(window.to)) window.to = healedAt;
    // Heal, keep enough agents, and drain (bounded).
    stack.proxy.set({ kind: "pass" });
    stack.storeProxy?.set({ kind: "pass" });
    stack.storeFault = () => "none";
    history.instant({ kind: "fault", fault: "heal", actor: "chaos" });
    const drainSeconds = scenario.drainSeconds ?? 120;
    const drain = async (): Promise<boolean> => {
      const deadline = Date.now() + drainSeconds * 1000;
      for (;;) {
        while (stack.liveAgents().length < scenario.agents) stack.startAgent(scenario.agentEnv);
        const open = Object.values(stack.app.coordinator.queueState().byStage).reduce((a, b) => a + b, 0);
        progress(`${scenario.name}: ${ids.length - open}/${ids.length} terminal`);
        if (open === 0) return true;
        if (Date.now() > deadline) return false;
        await sleep(500);
      }
    };
    let drainedInTime = await drain();
    // As an operator after the incident: replay every dead letter, once, and drain again.
    const replays = await replayDeadLetters(stack, history);
    if (replays > 0) drainedInTime = (await drain()) && drainedInTime;
    // Read the final state in bounded batches (thousands of concurrent reads would swamp the peer),
    // retrying a read that fails: a failed read is not a lost job.
    const final: JobDoc[] = [];
    for (let from = 0; from < ids.length; from += 100) {
      const batch = await Promise.all(
        ids.slice(from, from + 100).map(async (id) => {
          for (let attempt = 0; attempt < 5; attempt++) {
            try {
              return await stack.app.coordinator.getJob(undefined, id);
            } catch (error) {
              if (error instanceof FleetError && error.code === "NOT_FOUND") return undefined;
              await sleep(200);
            }
          }
          return undefined;
        }),
      );
      for (const job of batch) if (job !== undefined) final.push(job);
    }
    // The committed history of every job, from its timeline (archived pages only when it has some).
    for (const job of final) recordTimeline(history, job, await timelineOf(stack, job, sleep));
    for (const agent of stack.agents) recordFencedFromLog(history, agent.id, agent.output());
    const relay = stack.dispatcher.relay.stats();
    const check = checkHistory({
      history: history.operations,
      healedAt: started + healedAt * 1000,
      outboxBoundMs: 30_000,
      relayPending: relay.pending,
      drainedInTime,
      // Replayed poison is still poison here: the agents' engine was not fixed.
      replayMustShip: false,
    });
    for (const v of check.violations) violations.push(`[${v.invariant}] ${v.message}`);
    const fenced = stack.app.coordinator.counters.fencedRejections;
    // Each run proves its fault fired.
    const brokerFault = faults["broker-refuse"] ?? faults["broker-blackhole"] ?? faults["broker-half-open"];
    const transportHit = stack.proxy.counts.refused + stack.proxy.counts.resets + stack.proxy.counts.droppedChunks;
    if (brokerFault !== undefined && relay.publishFailures === 0 && transportHit === 0) violations.push("faults did not fire: the proxy refused, reset or dropped nothing during the broker fault");
    const storeHit = (stack.storeProxy?.counts.refused ?? 0) + (stack.storeProxy?.counts.resets ?? 0);
    if (faults["store-refuse"] !== undefined && storeHit === 0) violations.push("faults did not fire: the store proxy refused or reset nothing during the store fault");
    if (Object.keys(faults).length === 0 && scenario.poisonRate === undefined) violations.push("faults did not fire: nothing was injected");
    return {
      name: scenario.name,
      description: scenario.description,
      samples,
      faultWindows,
      ok: violations.length === 0,
      violations,
      seconds: (Date.now() - started) / 1000,
      figures: {
        jobs: ids.length,
        ...outcomeFigures(final, check.figures),
        fencedRejections: fenced,
        replays,
        publishFailures: relay.publishFailures,
        republished: relay.republished,
        ...proxyFigures(stack.proxy, stack.storeProxy),
        latency: {
          ...jobLatencies(final),
          outboxMaxLagS: relay.maxLagMs / 1000,
        },
        faults,
      },
    };
  } finally {
    clearInterval(sampler);
    await stack.stop();
  }
}

/** Records the signals the scenario sends to agents (kill -9, SIGSTOP, SIGCONT, SIGTERM) and the
 * coordinator's crashes and restarts, as they happen. */
function recordSignalsAndRestarts(stack: LiveStack, history: History): void {
  const startAgent = stack.startAgent.bind(stack);
  stack.startAgent = (env) => {
    const agent = startAgent(env);
    const kill = agent.child.kill.bind(agent.child);
    agent.child.kill = (signal?: NodeJS.Signals | number) => {
      const fault = signal === "SIGKILL" ? "agent-kill" : signal === "SIGSTOP" ? "agent-pause" : signal === "SIGCONT" ? "agent-resume" : signal === "SIGTERM" ? "agent-drain" : undefined;
      if (fault !== undefined) history.instant({ kind: "fault", fault, actor: agent.id });
      return kill(signal);
    };
    return agent;
  };
  const crashCoordinator = stack.crashCoordinator.bind(stack);
  stack.crashCoordinator = async (downMs) => {
    history.instant({ kind: "fault", fault: "coordinator-crash", actor: "coordinator" });
    await crashCoordinator(downMs);
    history.instant({ kind: "fault", fault: "coordinator-restart", actor: "coordinator" });
  };
}

/** Replays every dead letter through the operator's dead-letter view; returns how many. */
async function replayDeadLetters(stack: LiveStack, history: History): Promise<number> {
  const view = new DeadLetterView(stack.store, stack.app.coordinator);
  const page = await withStoreRetries(() => view.list(undefined, { includeDiscarded: false }, 500));
  history.instant({ kind: "dlq-list", actor: "operator", jobIds: page.items.map((item) => item.jobId) });
  for (const item of page.items) {
    const op = history.invoke({ kind: "replay", actor: "operator", jobId: item.jobId });
    try {
      await withStoreRetries(() => view.replay(undefined, item.jobId));
      history.complete(op, "ok");
    } catch (error) {
      history.complete(op, "fail", { code: error instanceof FleetError ? error.code : "error" });
    }
  }
  if (page.items.length > 0) stack.app.loop.kick();
  return page.items.length;
}

/** A job's whole timeline: the inline events, and the archived pages when it has any. */
async function timelineOf(stack: LiveStack, job: JobDoc, sleep: (ms: number) => Promise<void>): Promise<JobEvent[]> {
  if (job.events[0]?.seq === 0) return job.events;
  for (let attempt = 0; ; attempt++) {
    try {
      return (await stack.app.coordinator.events(undefined, job.id)).events;
    } catch (error) {
      if (attempt >= 4) throw error;
      await sleep(200);
    }
  }
}

/** Retries a call that failed on the store (bounded: ten attempts), waiting what it asks for. */
async function withStoreRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isStoreError(error) || error.code === "conflict" || error.code === "not_found" || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 200));
    }
  }
}
