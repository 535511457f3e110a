import { FLEET_PRODUCT_ID, type JobDoc } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { Coordinator } from "../../coordinator/service/coordinator.js";
import { FaultyStore } from "../../store/faulty-store.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { MemoryBroker } from "../../broker/memory/memory-broker.js";
import { brokerTopologyOf } from "../../dispatcher/broker-topology.js";
import { DeadLetterMonitor } from "../../dispatcher/dead-letter-monitor.js";
import { OutboxRelay } from "../../dispatcher/outbox-relay.js";
import { storeOutboxSource, storeRelayWatermark } from "../../dispatcher/store-outbox.js";
import { decideScaledJob } from "../../keda/local/scaled-job-formula.js";
import { type CheckResult, checkHistory } from "./checker.js";
import { EventLoop } from "./event-loop.js";
import { drawFaultPlan, type FaultPlan } from "./fault-plan.js";
import { History } from "./history.js";
import { SeededRandom } from "./seeded-random.js";
import { SimAgent } from "./sim-agent.js";
import type { SimOptions, SimWorld } from "./sim-world.js";
import { VirtualClock } from "./virtual-clock.js";

export const FAULT_PHASE_MS = 60_000;
const DRAIN_LIMIT_MS = 20 * 60_000;
const START = Date.UTC(2026, 0, 1);

export interface SimResult {
  seed: number;
  hash: string;
  plan: FaultPlan;
  check: CheckResult;
  simulatedMs: number;
  wallMs: number;
  steps: number;
  jobs: JobDoc[];
  faults: Record<string, number>;
  /** The coordinator at the end (for diagnosis). */
  coordinator: Coordinator | undefined;
  diagnosis: { relay: unknown; liveAgents: number; broker: unknown };
}

/**
 * One deterministic run: the real coordinator (scorer, lifecycle, reaper), outbox relay,
 * dead-letter monitor and KEDA ScaledJob formula on the memory store and memory broker, driven
 * by a virtual clock and one seeded random source, with faults drawn from the seed. After the
 * fault phase everything heals and the run drains; the checker then verifies the invariants.
 */
export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const wallStart = performance.now();
  const random = new SeededRandom(options.seed);
  const clock = new VirtualClock(START);
  const loop = new EventLoop(clock);
  const history = new History();
  const plan = drawFaultPlan(random, FAULT_PHASE_MS);
  const faults: Record<string, number> = {};
  const count = (name: string) => {
    faults[name] = (faults[name] ?? 0) + 1;
  };
  const inFaultPhase = () => clock.now() - START < FAULT_PHASE_MS;
  const brokerFault = (): "none" | FaultPlan["brokerOutages"][number]["kind"] => {
    const t = clock.now() - START;
    return plan.brokerOutages.find((o) => t >= o.from && t < o.to)?.kind ?? "none";
  };
  const memory = new MemoryStore();
  const store = new FaultyStore(memory, (op) => {
    if (!inFaultPhase()) return "none";
    if (random.chance(plan.storeThrottleRate)) {
      count("store-429");
      return { kind: "throttle", retryAfterMs: 100 };
    }
    if (op === "replace" && random.chance(plan.storeConflictRate)) {
      count("store-412");
      return "conflict";
    }
    if (random.chance(plan.storeTimeoutRate)) {
      count("store-timeout");
      return { kind: "timeout", applied: random.chance(0.5) };
    }
    return "none";
  });
  const broker = new MemoryBroker({
    clock,
    faults: (op) => {
      const fault = brokerFault();
      if (fault === "refuse") {
        count("broker-refuse");
        return "refuse";
      }
      if (fault === "half-open" && op === "publish") {
        count("broker-half-open");
        return "drop-ack";
      }
      if (fault === "blackhole") {
        count("broker-blackhole");
        return "blackhole";
      }
      if (fault === "reset") {
        count("broker-reset");
        return random.chance(0.5) ? "refuse" : "drop-ack";
      }
      return "none";
    },
  });
  const topology = parseTopology({
    topic: "assignments",
    pools: [
      {
        name: "general",
        capabilities: ["lang:ts"],
        image: "sim",
        seats: 1,
        maxReplicas: 6,
        workload: "scaledJob",
        scalingStrategy: "accurate",
        leaseSeconds: 10,
        acceptTimeoutSeconds: 20,
        lockDurationSeconds: 5,
        maxDeliveryCount: 5,
      },
    ],
  });
  await broker.ensureTopology(brokerTopologyOf(topology));
  const world: SimWorld = { options, clock, random, loop, history, broker, topology, plan, coordinator: undefined };
  let relay: OutboxRelay | undefined;
  let monitor: DeadLetterMonitor | undefined;
  const agents: SimAgent[] = [];

  const boot = async (): Promise<void> => {
    try {
      const coordinator = new Coordinator({ store, clock, topology });
      await coordinator.start();
      const nextRelay = new OutboxRelay(
        { broker, topic: topology.topic, source: storeOutboxSource(store, (jobId, epoch) => coordinator.isAwaitingAccept(jobId, epoch)), watermarks: storeRelayWatermark(store, topology.topic, () => clock.now()), clock, random: () => random.next() },
        { watermarkIntervalMs: 1000 },
      );
      await nextRelay.recover();
      coordinator.addSink(nextRelay);
      relay = nextRelay;
      monitor = new DeadLetterMonitor({ broker, topic: topology.topic, subscriptions: [{ name: "general", pool: "general" }], sink: coordinator });
      world.coordinator = coordinator;
      history.record({ t: clock.now(), type: "coordinator-restart" });
    } catch {
      loop.after(200, boot);
    }
  };
  const crash = (downMs: number) => {
    if (world.coordinator === undefined) return;
    relay?.crash();
    relay = undefined;
    monitor = undefined;
    world.coordinator = undefined;
    count("coordinator-crash");
    history.record({ t: clock.now(), type: "coordinator-crash" });
    loop.after(downMs, boot);
  };
  await boot();

  // Background work, as the coordinator loop, relay, monitor and KEDA run it.
  const every = (ms: number, work: () => Promise<void>) => {
    const run = async () => {
      await work().catch((error: unknown) => {
        if (process.env.SIM_DEBUG !== undefined) console.error("sim background work failed:", error);
      });
      loop.after(ms, run);
    };
    loop.after(ms, run);
  };
  let pendingCrashAfterTick: { downMs: number } | undefined;
  every(200, async () => {
    await world.coordinator?.tick();
    if (pendingCrashAfterTick !== undefined) {
      // A crash right after assignments committed and before the relay published them.
      crash(pendingCrashAfterTick.downMs);
      pendingCrashAfterTick = undefined;
    }
  });
  every(100, async () => {
    await relay?.pumpOnce();
  });
  every(500, async () => {
    await monitor?.pollOnce(50, 0);
  });
  let agentSeq = 0;
  every(1000, async () => {
    const counts = await broker.counts(topology.topic, "general");
    const live = agents.filter((a) => a.isAlive).length;
    const decision = decideScaledJob({
      queueLength: counts.active,
      targetAverageValue: 1,
      activationThreshold: 0,
      minReplicaCount: 0,
      maxReplicaCount: 6,
      runningJobCount: live,
      pendingJobCount: 0,
      strategy: "accurate",
    });
    for (let i = 0; i < decision.jobsToCreate; i++) {
      const agent = new SimAgent(`agent-${++agentSeq}`, world);
      // A slow clock renews late: below about a third of real time it outlives its own lease.
      if (agent.clockRate !== 1) count(agent.clockRate < 1 ? "agent-clock-slow" : "agent-clock-fast");
      agents.push(agent);
      agent.start();
    }
  });
  for (const at of plan.brokerRestarts) {
    loop.at(START + at, () => {
      broker.restart();
      count("broker-restart");
    });
  }
  for (const planned of plan.coordinatorCrashes) {
    loop.at(START + planned.at, () => {
      if (planned.afterTick) pendingCrashAfterTick = { downMs: planned.downMs };
      else crash(planned.downMs);
    });
  }

  // The workload: idempotent submissions; an unknown outcome is retried with the same key.
  const submitted = new Map<string, { key: string; acknowledged: boolean; poison: boolean }>();
  /** Submissions that are settled either way: acknowledged, or given up after retries (an unknown
   * outcome, which counts as recovered if the job shows up and never as lost if it does not). */
  let submissionsSettled = 0;
  let unknownOutcomes = 0;
  for (let n = 0; n < options.jobs; n++) {
    const key = `job-${n}`;
    const poison = random.chance(plan.poisonRate);
    const submit = async (attempt: number): Promise<void> => {
      const coordinator = world.coordinator;
      try {
        if (coordinator === undefined) throw new Error("coordinator down");
        const { job } = await coordinator.submit("acme", {
          idempotencyKey: key,
          bodyMd: poison ? `# ${key}\nsim:poison` : `# ${key}`,
          persona: "engineer",
          capabilities: ["lang:ts"],
          priority: (["low", "medium", "high", "critical"] as const)[random.int(0, 3)]!,
          retry: { max: 3, backoffSeconds: 1, backoffMaxSeconds: 4 },
          deps: [],
          depsMode: "hard",
          kind: "leaf",
        });
        submitted.set(job.id, { key, acknowledged: true, poison });
        submissionsSettled++;
        history.record({ t: clock.now(), type: "submitted", jobId: job.id, ok: true, detail: poison ? "poison" : undefined });
      } catch {
        if (attempt < 20) loop.after(500, () => submit(attempt + 1));
        else {
          submissionsSettled++;
          unknownOutcomes++;
        }
      }
    };
    loop.at(START + random.int(0, FAULT_PHASE_MS / 2), () => submit(0));
  }

  const allTerminal = () => {
    if (submissionsSettled < options.jobs) return false;
    for (const id of submitted.keys()) {
      const job = world.coordinator?.activeJob(id);
      if (job !== undefined) return false;
    }
    return world.coordinator !== undefined && (relay?.stats().pending ?? 1) === 0;
  };
  await loop.run(START + FAULT_PHASE_MS, () => false, 2_000_000);
  await loop.run(START + DRAIN_LIMIT_MS, allTerminal, 4_000_000);
  // Let stragglers (workers resuming from a pause, late retries) act before the check.
  const drained = allTerminal();
  await loop.run(clock.now() + 60_000, () => false, 4_000_000);

  const jobs = (await memory.query("jobs", {})).items.map((i) => i.doc);
  const check = checkHistory({
    history: history.events,
    jobs,
    submitted,
    relayPending: relay?.stats().pending ?? -1,
    drainedInTime: drained && allTerminal(),
    plan,
  });
  void FLEET_PRODUCT_ID;
  return {
    seed: options.seed,
    hash: history.hash(),
    plan,
    check,
    simulatedMs: clock.now() - START,
    wallMs: performance.now() - wallStart,
    steps: loop.steps,
    jobs,
    faults: { ...faults, ...(unknownOutcomes === 0 ? {} : { "submit-unknown-outcome": unknownOutcomes }) },
    coordinator: world.coordinator,
    diagnosis: { relay: relay?.stats(), liveAgents: agents.filter((a) => a.isAlive).length, broker: await broker.counts(topology.topic, "general").catch(() => undefined) },
  };
}
