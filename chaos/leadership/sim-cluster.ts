import pino from "pino";
import type { Topology } from "../../contracts/index.js";
import type { BrokerPort } from "../../broker/port.js";
import type { StorePort } from "../../store/port.js";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import type { LeaderGate } from "../../coordinator/leadership/leader-gate.js";
import type { LeaseTiming } from "../../coordinator/leadership/leader-lease.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { CoordinatorReplica } from "../../composition/leadership/coordinator-replica.js";
import { leaderGatedPasses } from "../../composition/leadership/leader-gated-passes.js";
import { leaderGatedStore } from "../../composition/leadership/leader-gated-store.js";
import type { History } from "../history/history.js";
import type { VirtualTime } from "./virtual-time.js";

/** What a replica's process is doing: running, stopped (SIGSTOP: nothing of it runs, calls to it
 * wait in its socket queue), or gone (SIGKILL, or it stepped down and exited). */
export type ReplicaState = "running" | "paused" | "dead";

export interface SimReplica {
  id: string;
  replica: CoordinatorReplica;
  state: ReplicaState;
  /** Calls that reached it while it was stopped: it handles them first when it wakes. */
  queued: (() => Promise<void>)[];
}

/** A call's outcome as its caller learns it. `unknown`: it timed out (it may still happen). */
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; reason: "unavailable" | "unknown"; error?: unknown };

/** A planted bug: the leader's store and passes do not ask the lease at all (only the elector's
 * own step-down stops it), so a deposed leader that wakes up writes on its stale memory. */
export type LeadershipBug = "no-lease-check";

export interface SimClusterOptions {
  time: VirtualTime;
  store: StorePort;
  broker: BrokerPort;
  topology: Topology;
  timing: LeaseTiming;
  history: History;
  random: () => number;
  bug?: LeadershipBug;
}

/**
 * N coordinator replicas in one process on virtual time, each a real CoordinatorReplica whose
 * coordinator is built by buildCoordinatorProcess (memory store and broker, no HTTP, no loop: the
 * model drives the election step, the gated pass, the relay and the dead-letter monitor). Calls
 * land on a random replica that is up and are forwarded to the leader it knows, as the HTTP front
 * does; a replica that steps down is replaced by a fresh one, as the platform restarts it.
 */
export class SimCluster {
  readonly replicas: SimReplica[] = [];
  private nextId = 0;
  readonly counts = { kills: 0, pauses: 0, stepDowns: 0, takeovers: 0, forwarded: 0, queuedCalls: 0 };

  constructor(private readonly options: SimClusterOptions) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.add();
  }

  add(): SimReplica {
    const id = `replica-${++this.nextId}`;
    const { time, timing, bug } = this.options;
    const entry: SimReplica = { id, state: "running", queued: [], replica: undefined as unknown as CoordinatorReplica };
    entry.replica = new CoordinatorReplica({
      store: this.options.store,
      broker: this.options.broker,
      clock: time,
      me: { id, address: `sim://${id}` },
      timing,
      logger: pino({ level: "silent" }),
      background: false,
      build: async ({ store, broker, gate }) => {
        this.counts.takeovers++;
        const gated = bug === "no-lease-check" ? leaderGatedStore(this.options.store, uncheckedGate(gate)) : store;
        return buildCoordinatorProcess({
          store: gated,
          ...(broker === undefined ? {} : { broker }),
          topology: this.options.topology,
          credentials: new CredentialRegistry({}),
          logger: pino({ level: "silent" }),
          clock: time,
          random: this.options.random,
          loop: false,
          http: false,
          scaler: false,
          processMetrics: false,
          consoleDir: false,
          dispatcher: { background: false },
          leadership: bug === "no-lease-check" ? uncheckedGate(gate) : gate,
        });
      },
      onStepDown: () => {
        this.counts.stepDowns++;
        entry.state = "dead";
        this.options.history.instant({ kind: "fault", fault: "coordinator-crash", actor: id });
        // The platform starts a fresh replica in its place.
        time.after(500 + Math.floor(this.options.random() * 1000), () => {
          this.add();
        });
      },
    });
    this.replicas.push(entry);
    this.schedule(entry);
    return entry;
  }

  /** The replica serving as leader right now, if one is up and built. */
  leader(): SimReplica | undefined {
    return this.replicas.find((r) => r.state === "running" && r.replica.process !== undefined && r.replica.gate.holds());
  }

  kill(entry: SimReplica): void {
    if (entry.state === "dead") return;
    this.counts.kills++;
    entry.state = "dead";
    entry.queued = [];
    entry.replica.process?.crash();
    void entry.replica.close();
    this.options.history.instant({ kind: "fault", fault: "coordinator-crash", actor: entry.id });
    this.options.time.after(1000 + Math.floor(this.options.random() * 2000), () => {
      this.add();
      this.options.history.instant({ kind: "fault", fault: "coordinator-restart", actor: entry.id });
    });
  }

  pause(entry: SimReplica, forMs: number): void {
    if (entry.state !== "running") return;
    this.counts.pauses++;
    entry.state = "paused";
    this.options.time.after(forMs, () => this.resume(entry));
  }

  async resume(entry: SimReplica): Promise<void> {
    if (entry.state !== "paused") return;
    entry.state = "running";
    // What waited in its socket queue is handled first, by whatever it believes it is.
    const queued = entry.queued;
    entry.queued = [];
    for (const call of queued) await call();
    this.schedule(entry);
  }

  /**
   * A client's call: it lands on a random replica that accepts connections; a follower forwards
   * it to the leader it knows. A call to a stopped replica waits there (the caller times out:
   * unknown) and runs when it wakes.
   */
  async call<T>(run: (coordinator: Coordinator) => Promise<T>): Promise<CallOutcome<T>> {
    const up = this.replicas.filter((r) => r.state !== "dead");
    if (up.length === 0) return { ok: false, reason: "unavailable" };
    const landed = up[Math.floor(this.options.random() * up.length)]!;
    let target = landed;
    if (landed.state === "running" && landed.replica.process === undefined) {
      const known = landed.replica.leader();
      const leader = known === undefined ? undefined : this.replicas.find((r) => r.id === known.holder && r.state !== "dead");
      if (leader === undefined || leader === landed) return { ok: false, reason: "unavailable" };
      this.counts.forwarded++;
      target = leader;
    }
    if (target.state === "paused") {
      this.counts.queuedCalls++;
      target.queued.push(async () => {
        const process = target.replica.process;
        if (process !== undefined) await run(process.coordinator).catch(() => undefined);
      });
      return { ok: false, reason: "unknown" };
    }
    const process = target.replica.process;
    if (process === undefined) return { ok: false, reason: "unavailable" };
    try {
      return { ok: true, value: await run(process.coordinator) };
    } catch (error) {
      return { ok: false, reason: "unavailable", error };
    }
  }

  /** The replica's own timers: the election every renewal period, the background pass, the relay
   * and the dead-letter monitor every 100 ms; none of it runs while the replica is stopped. */
  private schedule(entry: SimReplica): void {
    const { time, timing } = this.options;
    const elect = async () => {
      if (entry.state !== "running") return;
      await entry.replica.step();
      await entry.replica.settled();
      if (entry.state === "running") time.after(timing.renewEveryMs, elect);
    };
    const work = async () => {
      if (entry.state !== "running") return;
      const process = entry.replica.process;
      if (process !== undefined) await passOnce(process, this.options.bug === "no-lease-check" ? uncheckedGate(entry.replica.gate) : entry.replica.gate);
      if (entry.state === "running") time.after(100, work);
    };
    time.after(0, elect);
    time.after(50, work);
  }
}

/** One round of a leader's background work, as its timers would run it. */
async function passOnce(process: CoordinatorProcess, gate: LeaderGate): Promise<void> {
  await leaderGatedPasses(process.coordinator, gate).tick().catch(() => undefined);
  await process.dispatcher?.relay.pumpOnce().catch(() => undefined);
  await process.dispatcher?.monitor.pollOnce(100, 0).catch(() => undefined);
}

/** The planted bug's gate: it never looks at the lease's time, only at the last epoch it held. */
function uncheckedGate(gate: LeaderGate): LeaderGate {
  let last: number | undefined;
  return {
    holds: () => {
      last = gate.epoch() ?? last;
      return last !== undefined;
    },
    epoch: () => {
      last = gate.epoch() ?? last;
      return last;
    },
  };
}
