import { parseTopology } from "../../contracts/topology-file.js";
import { isTerminal, subscriptionNameFor } from "../../contracts/index.js";
import type { BrokerPort } from "../../broker/port.js";
import { MemoryBroker } from "../../broker/memory/memory-broker.js";
import { leaseTimingOf } from "../../coordinator/leadership/leader-lease.js";
import { brokerTopologyOf } from "../../dispatcher/broker-topology.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { type HistoryCheck, checkHistory } from "../history/check-history.js";
import { History } from "../history/history.js";
import { seededRandom } from "../live/seeded-random.js";
import { checkLeaderWrites, LeaderRecordingStore } from "./recording-store.js";
import { type LeadershipBug, SimCluster } from "./sim-cluster.js";
import { SimWorkers } from "./sim-workers.js";
import { VirtualTime } from "./virtual-time.js";

export interface LeadershipSimOptions {
  seed: number;
  replicas?: number;
  jobs?: number;
  workers?: number;
  leaseMs?: number;
  bug?: LeadershipBug;
}

export interface LeadershipSimResult {
  seed: number;
  ok: boolean;
  check: HistoryCheck;
  /** "At most one leader writes at a time", judged at the store. */
  leaderViolations: string[];
  /** Everything that failed, the history's invariants and the leader check together. */
  violations: string[];
  /** sha256 of the whole history: the same seed must give the same one. */
  hash: string;
  figures: { submitted: number; shipped: number; takeovers: number; kills: number; pauses: number; stepDowns: number; forwarded: number; queuedCalls: number; leaderWrites: number };
  simulatedMs: number;
}

const START = Date.UTC(2026, 0, 1);
const FAULT_PHASE_MS = 60_000;
const DRAIN_LIMIT_MS = 10 * 60_000;
const PRODUCT = "sim";

const TOPOLOGY = {
  topic: "assignments",
  pools: [{ name: "general", capabilities: ["lang:ts"], image: "sim", seats: 1, maxReplicas: 4, workload: "scaledObject", leaseSeconds: 10, acceptTimeoutSeconds: 15, lockDurationSeconds: 5, maxDeliveryCount: 10 }],
};

/**
 * The simulator's leadership model: N coordinator replicas (composition/leadership on
 * buildCoordinatorProcess, memory store and broker, virtual time) with leadership changes drawn
 * from the seed (the leader killed, the leader stopped past its lease and woken, a follower
 * stopped), clients submitting and factories working through whichever replica their call lands
 * on. After healing and a bounded drain the recorded history is judged by the shared checker
 * (nothing lost, nothing invented, completed once, epochs up, no stale write accepted, the outbox
 * published after its commits), and every job write by the lease the store held when it landed.
 */
export async function runLeadershipSim(options: LeadershipSimOptions): Promise<LeadershipSimResult> {
  const random = seededRandom(options.seed);
  const time = new VirtualTime(START);
  const history = new History(() => time.now());
  const timing = leaseTimingOf(options.leaseMs ?? 3000);
  const topology = parseTopology(TOPOLOGY, "the leadership model's topology");
  const memory = new MemoryStore({ now: () => time.now() });
  const store = new LeaderRecordingStore(memory, history, () => time.now());
  const shared = new MemoryBroker({ clock: time });
  await shared.ensureTopology(brokerTopologyOf(topology));
  const broker = recordingPublishes(shared, history);
  const cluster = new SimCluster({ time, store, broker, topology, timing, history, random, ...(options.bug === undefined ? {} : { bug: options.bug }) });
  cluster.start(options.replicas ?? 3);
  const pool = topology.pools[0]!;
  const workers = new SimWorkers({
    time,
    cluster,
    broker: shared,
    topic: topology.topic,
    subscription: subscriptionNameFor(pool.name),
    pool: pool.name,
    productId: PRODUCT,
    history,
    random,
    count: options.workers ?? 4,
    leaseMs: pool.leaseSeconds * 1000,
    runMs: [500, 4000],
  });
  workers.start();

  // Clients: the jobs arrive over the fault phase, each retried with its key until answered.
  const jobs = options.jobs ?? 40;
  const acknowledged = new Set<string>();
  for (let n = 0; n < jobs; n++) {
    const key = `lead-${options.seed}-${n}`;
    time.at(START + Math.floor((n / jobs) * FAULT_PHASE_MS * 0.8), () => submit(key, n, 1));
  }
  async function submit(key: string, n: number, attempt: number): Promise<void> {
    const op = history.invoke({ kind: "submit", actor: "client", key, poison: false });
    const outcome = await cluster.call((c) =>
      c.submit(PRODUCT, { idempotencyKey: key, bodyMd: `job ${n}`, persona: "engineer", capabilities: ["lang:ts"], priority: "medium", retry: { max: 3, backoffSeconds: 1, backoffMaxSeconds: 4 }, deps: [], depsMode: "hard", kind: "leaf" }),
    );
    if (outcome.ok) {
      history.complete(op, "ok", { jobId: outcome.value.job.id });
      acknowledged.add(outcome.value.job.id);
      return;
    }
    history.complete(op, "unknown", { code: "UNREACHABLE" });
    if (attempt < 40) time.after(250 * Math.min(attempt, 8), () => submit(key, n, attempt + 1));
  }

  // Leadership changes, drawn from the seed, during the fault phase.
  for (let at = START + 3000; at < START + FAULT_PHASE_MS; at += 3000 + Math.floor(random() * 5000)) {
    time.at(at, () => {
      const leader = cluster.leader();
      const roll = random();
      if (leader !== undefined && roll < 0.4) cluster.kill(leader);
      else if (leader !== undefined && roll < 0.85) cluster.pause(leader, Math.floor(timing.leaseMs * (1.5 + random() * 2.5)));
      else {
        const followers = cluster.replicas.filter((r) => r.state === "running" && r.replica.process === undefined);
        const follower = followers[Math.floor(random() * followers.length)];
        if (follower !== undefined) cluster.pause(follower, Math.floor(timing.leaseMs * (0.5 + random() * 2)));
      }
    });
  }
  await time.runUntil(START + FAULT_PHASE_MS);
  const healedAt = time.now();
  history.instant({ kind: "fault", fault: "heal", actor: "chaos" });
  // Drain: until every acknowledged job is terminal (bounded).
  let terminalCount = 0;
  const allTerminal = () => terminalCount === jobs && acknowledged.size === jobs;
  const check = async () => {
    const page = await memory.query("jobs", { limit: 1000 });
    terminalCount = page.items.filter((item) => isTerminal(item.doc.stage)).length;
    time.after(1000, check);
  };
  time.after(0, check);
  const drainedInTime = await time.runUntil(healedAt + DRAIN_LIMIT_MS, allTerminal);
  const relayPending = cluster.leader()?.replica.process?.dispatcher?.relay.stats().pending ?? 0;
  await workers.close();
  for (const entry of cluster.replicas) await entry.replica.close();

  const result = checkHistory({ history: history.operations, healedAt, outboxBoundMs: 60_000, relayPending, drainedInTime, replayMustShip: false });
  const leaderViolations = checkLeaderWrites(store.writes);
  if (cluster.counts.takeovers < 2) leaderViolations.push(`faults did not fire: the lease changed hands ${cluster.counts.takeovers - 1} times`);
  const violations = [...result.violations.map((v) => `[${v.invariant}] ${v.message}`), ...leaderViolations];
  return {
    seed: options.seed,
    ok: violations.length === 0,
    check: result,
    leaderViolations,
    violations,
    hash: history.hash(),
    figures: {
      submitted: jobs,
      shipped: result.figures.shipped,
      takeovers: cluster.counts.takeovers,
      kills: cluster.counts.kills,
      pauses: cluster.counts.pauses,
      stepDowns: cluster.counts.stepDowns,
      forwarded: cluster.counts.forwarded,
      queuedCalls: cluster.counts.queuedCalls,
      leaderWrites: store.writes.length,
    },
    simulatedMs: time.now() - START,
  };
}

/** The broker as the history sees the relay use it: every publish, one operation per message. */
function recordingPublishes(broker: BrokerPort, history: History): BrokerPort {
  return {
    ensureTopology: (topology) => broker.ensureTopology(topology),
    async publish(topic, messages) {
      const ops = messages.map((m) => {
        const at = m.messageId.lastIndexOf(":");
        return history.invoke({ kind: "publish", actor: "relay", jobId: m.messageId.slice(0, at), epoch: Number(m.messageId.slice(at + 1)) });
      });
      try {
        await broker.publish(topic, messages);
        for (const op of ops) history.complete(op, "ok");
      } catch (error) {
        for (const op of ops) history.complete(op, "fail");
        throw error;
      }
    },
    openReceiver: (address, options) => broker.openReceiver(address, options),
    counts: (topic, subscription) => broker.counts(topic, subscription),
    close: () => broker.close(),
  };
}
