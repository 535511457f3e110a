import type { JobDoc } from "../../contracts/index.js";
import type { ManagedChild } from "./managed-child.js";
import type { ProcessScenario, ProcessScenarioContext } from "./process-scenario.js";
import type { ProcessStack } from "./process-stack.js";
import { TORN_PROBE_JOB_ID } from "./torn-journal.js";

const between = (ctx: ProcessScenarioContext, min: number, max: number) => Math.round(min + ctx.random() * (max - min));

/** How many times a process of the stack was ended by SIGKILL. */
const sigkills = (child: ManagedChild | undefined) => child?.exits.filter((exit) => exit.signal === "SIGKILL").length ?? 0;

/** Watches a coordinator's /readyz while a dependency is down: whether it ever said `check` was unreachable. */
function watchReadiness(url: string, check: "store" | "broker"): { stop(): Promise<boolean> } {
  let seen = false;
  let stopped = false;
  const running = (async () => {
    while (!stopped && !seen) {
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
        const body = (await response.json()) as { checks?: Record<string, string> };
        if (response.status === 503 && (body.checks?.[check] ?? "").startsWith("unreachable")) seen = true;
      } catch {
        // The coordinator itself may be down in this scenario.
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await running;
      return seen;
    },
  };
}

/**
 * Kill rounds in a running workload: a job is submitted every 150 ms throughout, so kills land
 * between and inside submissions, assignments, accepts and reports; each round waits a random
 * while (seeded), kills, stays down a random while, and restarts. Records how much work was open
 * at each kill.
 */
async function killRounds(
  ctx: ProcessScenarioContext,
  rounds: number,
  round: (n: number) => Promise<{ down: () => Promise<void>; up: () => Promise<void> }>,
  downMs: [number, number] = [400, 1500],
): Promise<void> {
  const trickle = ctx.trickle(150);
  const open: number[] = [];
  for (let n = 0; n < rounds; n++) {
    await ctx.sleep(between(ctx, 800, 3000));
    open.push(await ctx.stack.api.openJobs().catch(() => -1));
    const { down, up } = await round(n);
    await down();
    await ctx.sleep(between(ctx, downMs[0], downMs[1]));
    await up();
  }
  await trickle.stop();
  ctx.fact("open jobs at each kill", open.join(","));
}

/** The kills the scenario promised happened, and at least one hit work in flight. */
function killsLanded(what: string, child: ManagedChild | undefined, expected: number, facts: Record<string, string | number>): string[] {
  const violations: string[] = [];
  const kills = sigkills(child);
  if (kills < expected) violations.push(`faults did not fire: the ${what} process died by SIGKILL ${kills} times, not ${expected}`);
  const open = String(facts["open jobs at each kill"] ?? "")
    .split(",")
    .map(Number);
  if (!open.some((n) => n > 0)) violations.push(`faults did not fire: no kill of the ${what} landed while jobs were open (${facts["open jobs at each kill"]})`);
  return violations;
}

async function restartCoordinator(ctx: ProcessScenarioContext, index: number): Promise<void> {
  await ctx.stack.startCoordinator(index);
  ctx.restarted(index);
}

async function killCoordinator(ctx: ProcessScenarioContext, index: number, fault: string): Promise<void> {
  ctx.crashed(index);
  ctx.note(fault);
  await ctx.stack.killCoordinator(index);
}

function coordinatorKill(name: string, store: "process" | "embedded", description: string): ProcessScenario {
  return {
    kind: "processes",
    name,
    description,
    layout: { coordinators: 1, store },
    agents: 3,
    async inject(ctx) {
      await killRounds(ctx, 3, async () => ({ down: () => killCoordinator(ctx, 0, "coordinator-kill"), up: () => restartCoordinator(ctx, 0) }));
    },
    async verify({ stack, facts }) {
      return killsLanded("coordinator", stack.coordinators[0]!.child, 3, facts);
    },
  };
}

/** The leader replica, found through the lease document (waits for one to lead). */
async function leaderOf(stack: ProcessStack, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const index = await stack.leaderIndex();
    if (index !== undefined) return index;
    if (Date.now() > deadline) throw new Error("no coordinator replica leads");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until another replica than `former` holds a newer epoch; returns how long it took. */
async function takeover(stack: ProcessStack, formerEpoch: number, since: number, timeoutMs = 30_000): Promise<{ ms: number; epoch: number; holder: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lease = await stack.leaderLease().catch(() => undefined);
    if (lease !== undefined && lease.epoch > formerEpoch) return { ms: lease.acquiredAt - since, epoch: lease.epoch, holder: lease.holder };
    if (Date.now() > deadline) throw new Error(`no replica took over within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * With a trickle of work flowing, faults the leader replica at a random point and waits for
 * another replica to take over with a newer epoch. The trickle keeps running for the caller to stop.
 */
async function faultTheLeader(ctx: ProcessScenarioContext, fault: (leader: number) => Promise<void>) {
  const trickle = ctx.trickle(150);
  await ctx.sleep(between(ctx, 1500, 3500));
  const leader = await leaderOf(ctx.stack);
  const before = (await ctx.stack.leaderLease())!;
  const faultedAt = Date.now();
  await fault(leader);
  const next = await takeover(ctx.stack, before.epoch, faultedAt);
  return { trickle, leader, before, next, faultedAt };
}

function leaderVerification(facts: Record<string, string | number>, faults: Record<string, number>): string[] {
  const violations: string[] = [];
  if (faults["leader-kill"] === undefined && faults["leader-pause"] === undefined) violations.push("faults did not fire: the leader was neither killed nor paused");
  const epochs = String(facts["leader epochs"] ?? "").split(",").filter((e) => e !== "");
  if (epochs.length < 2) violations.push(`faults did not fire: the lease was acquired ${epochs.length} time(s); no takeover happened`);
  return violations;
}

interface AgentLogLine {
  time: number;
  msg: string;
  code?: string;
  jobId?: string;
}

function logLines(output: string): AgentLogLine[] {
  const lines: AgentLogLine[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as Partial<AgentLogLine>;
      if (typeof parsed.time === "number" && typeof parsed.msg === "string") lines.push(parsed as AgentLogLine);
    } catch {
      // Not a log line.
    }
  }
  return lines;
}

/** Log messages of the agent that mean a call of it was accepted by the coordinator (at debug:
 * the agent logs them per job, so the scenario runs its agent with LOG_LEVEL=debug). */
const ACCEPTED_CALLS = ["lease accepted; running", "stage reported", "lease released"];

/**
 * A factory enrolled with an enrollment token, its token revoked by an operator while it runs a
 * job: its next call is refused (401) within a second, its lease expires, the job is requeued and
 * ships once on another factory.
 */
const tokenRevoked: ProcessScenario = {
  kind: "processes",
  name: "token-revoked",
  description: "a factory enrolled with an enrollment token has its token revoked mid-job: its next call is 401 within a second, its lease expires, the job is requeued and ships once on another factory",
  layout: { coordinators: 1, store: "process" },
  agents: 3,
  async inject(ctx) {
    const { api } = ctx.stack;
    const enrollment = await api.json<{ id: string; token: string }>("POST", "/fleet/enrollment-tokens", { pool: "general", maxUses: 1, expiresInSeconds: 600, label: "chaos: revoked mid-job" });
    const agent = ctx.stack.startAgent({ SIM_DURATION_MS: "12000", HEARTBEAT_SECONDS: "1", LOG_LEVEL: "debug" }, { enrollmentToken: enrollment.token });
    ctx.fact("enrolled agent", agent.id);
    // Give it work: submit until the enrolled factory holds a running job (the agents compete for it).
    let held: { factoryId: string; jobId: string } | undefined;
    const deadline = Date.now() + 90_000;
    while (held === undefined && Date.now() < deadline) {
      await ctx.submit(2);
      await ctx.sleep(700);
      const list = await api.json<{ items: { id: string; currentJobs: string[] }[] }>("GET", "/fleet/factories?limit=100").catch(() => ({ items: [] }));
      const mine = list.items.find((item) => item.id.startsWith(agent.id) && item.currentJobs.length > 0);
      if (mine !== undefined) held = { factoryId: mine.id, jobId: mine.currentJobs[0]! };
    }
    if (held === undefined) throw new Error("the enrolled factory never held a job");
    await ctx.sleep(1500);
    const revoked = await api.callRetrying("POST", `/fleet/factories/${encodeURIComponent(held.factoryId)}/token/revoke`);
    if (!revoked.answered || revoked.status !== 200) throw new Error(`revocation refused: ${JSON.stringify(revoked)}`);
    ctx.note("token-revoke");
    ctx.fact("revoked at", revoked.at);
    ctx.fact("revoked factory", held.factoryId);
    ctx.fact("its job", held.jobId);
    // Until that job has shipped (on someone else: the revoked factory cannot release it).
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const job = await api.json<JobDoc>("GET", `/fleet/jobs/${encodeURIComponent(held.jobId)}`).catch(() => undefined);
      if (job?.stage === "shipped") break;
      await ctx.sleep(500);
    }
  },
  async verify({ stack, jobs, facts }) {
    const violations: string[] = [];
    const revokedAt = Number(facts["revoked at"]);
    const agent = stack.agents.find((a) => a.id === facts["enrolled agent"]);
    if (agent === undefined || Number.isNaN(revokedAt)) return ["faults did not fire: no factory token was revoked"];
    const lines = logLines(agent.output());
    const refused = lines.find((line) => line.time >= revokedAt && line.code === "UNAUTHENTICATED");
    if (refused === undefined) violations.push("the revoked factory's calls were never refused with 401 (UNAUTHENTICATED)");
    else facts["first 401 after the revocation (ms)"] = refused.time - revokedAt;
    if (refused !== undefined && refused.time - revokedAt > 1500) violations.push(`the first refusal came ${refused.time - revokedAt} ms after the revocation (heartbeat every second: within a second, plus scheduling)`);
    const accepted = lines.filter((line) => line.time > revokedAt + 1000 && ACCEPTED_CALLS.includes(line.msg));
    if (accepted.length > 0) violations.push(`the revoked factory still had calls accepted after the revocation: ${accepted.map((l) => l.msg).join(", ")}`);
    const job = jobs.find((j) => j.id === facts["its job"]);
    if (job === undefined) return [...violations, `the revoked factory's job ${facts["its job"]} is not in the store`];
    const factoryId = String(facts["revoked factory"]);
    const accepts = job.events.filter((e) => e.type === "accepted");
    const requeued = job.events.find((e) => e.type === "requeued" && e.at > revokedAt && e.data?.reason === "lease expired");
    const shipped = job.events.filter((e) => e.type === "shipped");
    if (accepts[0]?.data?.factoryId !== factoryId) violations.push(`job ${job.id} was not first accepted by the revoked factory`);
    if (requeued === undefined) violations.push(`job ${job.id} was not requeued by its lease expiring after the revocation`);
    else facts["lease expired, job requeued after the revocation (ms)"] = requeued.at - revokedAt;
    const lastRun = job.runs.at(-1);
    if (job.stage !== "shipped" || shipped.length !== 1) violations.push(`job ${job.id} is '${job.stage}' with ${shipped.length} shipped events, not shipped once`);
    else if (lastRun?.factoryId === factoryId) violations.push(`job ${job.id} shipped on the revoked factory`);
    else facts["shipped by"] = lastRun?.factoryId ?? "?";
    return violations;
  },
};

/**
 * Kills the store or the broker process twice in a running workload and restarts it on its data
 * directory and port after `downMs`; the coordinator's readiness must say the part was unreachable
 * while it was down.
 */
function peerKill(part: "store" | "broker", description: string, downMs: number): ProcessScenario {
  const fact = `readiness reported the ${part} unreachable`;
  return {
    kind: "processes",
    name: `${part}-kill`,
    description,
    layout: { coordinators: 1, store: "process" },
    agents: 3,
    async inject(ctx) {
      let sawUnreachable = false;
      await killRounds(ctx, 2, async () => {
        const watch = watchReadiness(ctx.stack.coordinators[0]!.url, part);
        return {
          down: async () => {
            ctx.note(`${part}-kill`);
            await (part === "store" ? ctx.stack.killStore() : ctx.stack.killBroker());
          },
          up: async () => {
            await ctx.sleep(downMs);
            sawUnreachable = (await watch.stop()) || sawUnreachable;
            await (part === "store" ? ctx.stack.startStore() : ctx.stack.startBroker());
          },
        };
      });
      ctx.fact(fact, sawUnreachable ? "yes" : "no");
    },
    async verify({ stack, facts }) {
      const violations = killsLanded(part, part === "store" ? stack.store : stack.broker, 2, facts);
      if (facts[fact] !== "yes") violations.push(`the coordinator's /readyz never said the ${part} was unreachable while it was killed`);
      return violations;
    },
  };
}

/** The live scenarios whose parts are separate processes. */
export const PROCESS_SCENARIOS: ProcessScenario[] = [
  coordinatorKill("coordinator-kill", "process", "SIGKILL the coordinator process (store and broker in their own processes) 3 times at random points of a running workload; restart it each time"),
  coordinatorKill(
    "coordinator-kill-embedded",
    "embedded",
    "SIGKILL the coordinator whose Cosmos peer is embedded and journalled to its data directory, 3 times in a running workload; restart it on the same directory",
  ),
  peerKill("store", "SIGKILL the Cosmos peer process twice in a running workload; restart it on its data directory and port", 500),
  {
    kind: "processes",
    name: "store-torn-write",
    description: "SIGKILL the Cosmos peer in a running workload, cut its journal mid-record (half of one more record), restart it: the torn record is dropped, never applied",
    layout: { coordinators: 1, store: "process" },
    agents: 3,
    async inject(ctx) {
      await killRounds(
        ctx,
        1,
        async () => ({
          down: async () => {
            ctx.note("store-kill");
            await ctx.stack.killStore();
            const torn = await ctx.stack.tearStoreJournal();
            ctx.note("journal-torn");
            ctx.fact("torn bytes appended", torn.bytes);
          },
          up: () => ctx.stack.startStore(),
        }),
        [300, 800],
      );
    },
    async verify({ stack, jobs, facts }) {
      const violations = killsLanded("store", stack.store, 1, facts);
      const said = /dropped an incomplete last journal record, never acknowledged: (.*)/.exec(stack.store?.output() ?? "");
      if (said === null) violations.push("faults did not fire: the restarted Cosmos peer did not report dropping a torn journal record");
      else facts["the peer said"] = said[1]!.trim();
      if (jobs.some((job: JobDoc) => job.id === TORN_PROBE_JOB_ID)) violations.push("the torn journal record was applied: its job is in the store");
      return violations;
    },
  },
  peerKill("broker", "SIGKILL the Service Bus broker process (with its data directory) twice in a running workload; restart it on the same directory and port", 1500),
  {
    kind: "processes",
    name: "kill-all",
    description: "SIGKILL the store, the broker and the coordinator at once, twice in a running workload; restart them all",
    layout: { coordinators: 1, store: "process" },
    agents: 3,
    async inject(ctx) {
      await killRounds(ctx, 2, async () => ({
        down: async () => {
          ctx.crashed(0);
          ctx.note("kill-all");
          await Promise.all([ctx.stack.killCoordinator(0), ctx.stack.killStore(), ctx.stack.killBroker()]);
        },
        up: async () => {
          await ctx.stack.startStore();
          await ctx.stack.startBroker();
          await restartCoordinator(ctx, 0);
        },
      }));
    },
    async verify({ stack, facts }) {
      return [...killsLanded("coordinator", stack.coordinators[0]!.child, 2, facts), ...killsLanded("store", stack.store, 2, facts), ...killsLanded("broker", stack.broker, 2, facts)];
    },
  },
  tokenRevoked,
  {
    kind: "processes",
    name: "leader-kill",
    description: "two coordinator replicas behind an ingress; SIGKILL the leader in a running workload: the follower takes over, rebuilds and republishes; the killed one restarts as a follower",
    layout: { coordinators: 2, store: "process", leaseMs: 2000 },
    agents: 3,
    async inject(ctx) {
      const { trickle, leader, before, next } = await faultTheLeader(ctx, async (leader) => {
        ctx.fact("open jobs at the kill", await ctx.stack.api.openJobs().catch(() => -1));
        await killCoordinator(ctx, leader, "leader-kill");
      });
      ctx.fact("takeover after the kill (ms)", next.ms);
      ctx.fact("lease (ms)", before.leaseMs);
      await ctx.sleep(2000);
      await restartCoordinator(ctx, leader);
      await ctx.sleep(3000);
      await trickle.stop();
    },
    async verify({ stack, facts, faults }) {
      const violations = leaderVerification(facts, faults);
      const killed = stack.coordinators.filter((c) => sigkills(c.child) > 0).length;
      if (killed !== 1) violations.push(`faults did not fire: ${killed} replicas died by SIGKILL, not 1`);
      const lease = Number(facts["lease (ms)"]);
      // Within the lease period after the last renewal: at most a renewal period, the lease and its margin, and a follower's look.
      if (Number(facts["takeover after the kill (ms)"]) > lease * 2 + 1000) violations.push(`the takeover took ${facts["takeover after the kill (ms)"]} ms after the kill (lease ${lease} ms)`);
      return violations;
    },
  },
  {
    kind: "processes",
    name: "leader-pause",
    description: "two coordinator replicas; SIGSTOP the leader past its lease, then SIGCONT it: the follower takes over, the woken leader assigns nothing, steps down and rejoins as a follower",
    layout: { coordinators: 2, store: "process", leaseMs: 2000 },
    agents: 3,
    async inject(ctx) {
      const { trickle, leader, before, next, faultedAt: pausedAt } = await faultTheLeader(ctx, async (leader) => {
        ctx.note("leader-pause");
        await ctx.stack.killCoordinator(leader, "SIGSTOP");
      });
      ctx.fact("takeover after the pause (ms)", next.ms);
      // Clients whose connections landed on the frozen leader: their requests wait in its socket
      // queue and are the first thing it handles when it wakes, as a deposed leader.
      const queued = ctx.submitTo(ctx.stack.coordinators[leader]!.url, 5);
      // Keep it stopped well past its lease while the new leader assigns, then wake it.
      await ctx.sleep(before.leaseMs * 2);
      const stepDowns = ctx.stack.unexpectedExits.length;
      await ctx.stack.killCoordinator(leader, "SIGCONT");
      const continuedAt = Date.now();
      ctx.fact("paused (ms)", continuedAt - pausedAt);
      const deadline = continuedAt + 20_000;
      while (ctx.stack.unexpectedExits.length === stepDowns && Date.now() < deadline) await ctx.sleep(50);
      const stepDown = ctx.stack.unexpectedExits[stepDowns];
      ctx.fact("woken leader stepped down after SIGCONT (ms)", stepDown === undefined ? -1 : stepDown.at - continuedAt);
      await queued;
      await ctx.sleep(3000);
      await trickle.stop();
    },
    async verify({ stack, facts, faults }) {
      const violations = leaderVerification(facts, faults);
      if (!stack.unexpectedExits.some((exit) => exit.code === 3)) violations.push("the woken leader never stepped down (no replica exited with the stepped-down code 3)");
      const said = stack.coordinators.some((c) => /no longer the leader|stepped down/.test(c.child.output()));
      if (!said) violations.push("no replica logged that it stepped down");
      return violations;
    },
  },
];
