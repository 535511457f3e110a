import { FleetError, isTerminal, type JobDoc } from "../../contracts/index.js";
import { isStoreError } from "../../store/port.js";
import type { CommitListener } from "../../coordinator/service/job-book.js";
import { LiveStack } from "./live-stack.js";
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
  figures: {
    jobs: number;
    shipped: number;
    deadLettered: number;
    lost: number;
    duplicateCompletions: number;
    fencedRejections: number;
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
 * signals and restarts; then heals, drains (bounded) and checks: every job terminal, shipped jobs
 * shipped once, poison dead-lettered and nothing else, the outbox empty, and the fault fired.
 */
export async function runScenario(
  scenario: Scenario,
  jobs: number,
  progress: (line: string) => void = () => undefined,
  options: { faultSeconds?: number } = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const stack = new LiveStack();
  await stack.start();
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
  const poison = new Set<string>();
  const ids: string[] = [];
  try {
    for (let i = 0; i < scenario.agents; i++) stack.startAgent(scenario.agentEnv);
    let submitted = 0;
    const submitOne = async () => {
      {
        const n = submitted++;
        const isPoison = scenario.poisonRate !== undefined && n % Math.round(1 / scenario.poisonRate) === 0;
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
        );
        ids.push(job.id);
        if (isPoison) poison.add(job.id);
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
    const deadline = Date.now() + (scenario.drainSeconds ?? 120) * 1000;
    for (;;) {
      while (stack.liveAgents().length < scenario.agents) stack.startAgent(scenario.agentEnv);
      const open = Object.values(stack.app.coordinator.queueState().byStage).reduce((a, b) => a + b, 0);
      progress(`${scenario.name}: ${ids.length - open}/${ids.length} terminal`);
      if (open === 0 || Date.now() > deadline) break;
      await sleep(500);
    }
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
    let duplicateCompletions = 0;
    for (const id of ids) {
      const job = final.find((j) => j.id === id);
      if (job === undefined || !isTerminal(job.stage)) {
        violations.push(`lost: job ${id} is ${job?.stage ?? "missing"} after the drain`);
        continue;
      }
      const shippedRuns = job.runs.filter((r) => r.result === "shipped").length;
      if (shippedRuns > 1) {
        duplicateCompletions += shippedRuns - 1;
        violations.push(`double completion: job ${id} shipped ${shippedRuns} times`);
      }
      if (poison.has(id) && job.stage !== "dead_letter") violations.push(`poison job ${id} ended '${job.stage}'`);
      if (!poison.has(id) && job.stage === "dead_letter" && job.deadLetter?.source === "broker") violations.push(`healthy job ${id} dead-lettered by the broker`);
    }
    const relay = stack.dispatcher.relay.stats();
    if (relay.pending !== 0) violations.push(`the outbox did not drain (${relay.pending} pending)`);
    const fenced = stack.app.coordinator.counters.fencedRejections;
    // Each run proves its fault fired.
    const brokerFault = faults["broker-refuse"] ?? faults["broker-blackhole"] ?? faults["broker-half-open"];
    const transportHit = stack.proxy.counts.refused + stack.proxy.counts.resets + stack.proxy.counts.droppedChunks;
    if (brokerFault !== undefined && relay.publishFailures === 0 && transportHit === 0) violations.push("faults did not fire: the proxy refused, reset or dropped nothing during the broker fault");
    const storeHit = (stack.storeProxy?.counts.refused ?? 0) + (stack.storeProxy?.counts.resets ?? 0);
    if (faults["store-refuse"] !== undefined && storeHit === 0) violations.push("faults did not fire: the store proxy refused or reset nothing during the store fault");
    if (faults["agent-pause"] !== undefined && fenced === 0) violations.push("faults did not fire: a worker was stopped past its lease but no write was fenced");
    if (poison.size > 0 && final.filter((j) => j.stage === "dead_letter").length === 0) violations.push("faults did not fire: poison jobs but no dead letter");
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
        shipped: final.filter((j) => j.stage === "shipped").length,
        deadLettered: final.filter((j) => j.stage === "dead_letter").length,
        lost: violations.filter((v) => v.startsWith("lost")).length,
        duplicateCompletions,
        fencedRejections: fenced,
        publishFailures: relay.publishFailures,
        republished: relay.republished,
        proxy: { refused: stack.proxy.counts.refused, resets: stack.proxy.counts.resets, droppedChunks: stack.proxy.counts.droppedChunks },
        storeProxy: { refused: stack.storeProxy?.counts.refused ?? 0, resets: stack.storeProxy?.counts.resets ?? 0, delayedChunks: stack.storeProxy?.counts.delayedChunks ?? 0 },
        latency: {
          acceptP50: percentile(final.flatMap((j) => (j.runs[0] === undefined ? [] : [(j.runs[0].startedAt - j.createdAt) / 1000])), 0.5),
          acceptP99: percentile(final.flatMap((j) => (j.runs[0] === undefined ? [] : [(j.runs[0].startedAt - j.createdAt) / 1000])), 0.99),
          shippedP50: percentile(final.filter((j) => j.stage === "shipped").map((j) => (j.updatedAt - j.createdAt) / 1000), 0.5),
          shippedP99: percentile(final.filter((j) => j.stage === "shipped").map((j) => (j.updatedAt - j.createdAt) / 1000), 0.99),
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

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2));
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
