import type { Logger } from "pino";
import type { Clock } from "../../contracts/index.js";
import type { BrokerPort } from "../../broker/port.js";
import type { StorePort } from "../../store/port.js";
import type { Candidate, LeaderLease, LeaseTiming } from "../../coordinator/leadership/leader-lease.js";
import type { LeaderGate } from "../../coordinator/leadership/leader-gate.js";
import type { Readiness } from "../../coordinator/api/context.js";
import type { CoordinatorProcess } from "../coordinator-process.js";
import { leaderGatedBroker } from "./leader-gated-broker.js";
import { leaderGatedStore } from "./leader-gated-store.js";
import { LeaderElector } from "./leader-elector.js";

export type ReplicaStatus = "follower" | "taking-over" | "leader" | "stepped-down";

export interface CoordinatorReplicaOptions {
  /** The store as it is: the lease is read and written through it; the coordinator gets it gated. */
  store: StorePort;
  broker?: BrokerPort;
  clock: Clock;
  me: Candidate;
  timing: LeaseTiming;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** Builds the leader's coordinator process (rebuilding its indexes from the store, the relay
   * recovering from its watermark) from the gated store and broker and the gate. */
  build(parts: { store: StorePort; broker: BrokerPort | undefined; gate: LeaderGate }): Promise<CoordinatorProcess>;
  /** The replica stopped leading (or could not take over): it must end; the platform starts a fresh
   * follower in its place. Its coordinator has been crashed (timers stopped) by then. */
  onStepDown(reason: string): void;
  /** false: no election timer; the caller calls step() (the simulator). Default true. */
  background?: boolean;
}

/**
 * One coordinator replica among several: a follower until its elector wins the lease, then it
 * builds the coordinator (indexes rebuilt from the store, the outbox republished from the relay's
 * watermark) and serves; when the store names another leader it crashes its coordinator at once
 * and steps down. A process never leads twice: the platform restarts it as a new candidate, so no
 * state of an earlier tenure can leak into a later one.
 */
export class CoordinatorReplica {
  readonly elector: LeaderElector;
  private built: CoordinatorProcess | undefined;
  private building: Promise<void> | undefined;
  private stepped: string | undefined;

  constructor(private readonly options: CoordinatorReplicaOptions) {
    this.elector = new LeaderElector({
      store: options.store,
      clock: options.clock,
      me: options.me,
      timing: options.timing,
      onElected: (epoch) => this.takeOver(epoch),
      onDeposed: (reason) => this.stepDown(`deposed: ${reason}`),
      onError: (error) => options.logger.warn({ err: error }, "leadership lease not read or written; retrying"),
    });
  }

  get id(): string {
    return this.options.me.id;
  }

  /** The gate every leader component asks (holds on this replica's clock). */
  get gate(): LeaderGate {
    return this.elector;
  }

  /** The coordinator, once this replica leads and has rebuilt it. */
  get process(): CoordinatorProcess | undefined {
    return this.stepped === undefined ? this.built : undefined;
  }

  status(): ReplicaStatus {
    if (this.stepped !== undefined) return "stepped-down";
    if (this.built !== undefined) return "leader";
    return this.elector.role() === "leader" ? "taking-over" : "follower";
  }

  /** The leader as this replica last saw it (undefined: none known yet). */
  leader(): LeaderLease | undefined {
    return this.elector.leader();
  }

  start(): void {
    if (this.options.background !== false) this.elector.start();
  }

  /** One election round (the simulator's clock drives it). */
  step(): Promise<void> {
    return this.elector.step();
  }

  /** Resolves once a takeover in progress has finished (built, or given up). */
  async settled(): Promise<void> {
    await this.building;
  }

  readiness(): Readiness {
    const lease = this.elector.leader();
    const status = this.status();
    if (status === "leader") {
      const own = this.built!.readiness();
      return { ready: own.ready && this.gate.holds(), checks: { ...own.checks, leadership: this.gate.holds() ? `leader (epoch ${this.gate.epoch()})` : "leader, lease lapsed (stepping down or renewing)" } };
    }
    if (status === "taking-over") return { ready: false, checks: { leadership: `taking over (epoch ${this.gate.epoch()}): rebuilding the indexes from the store` } };
    if (status === "stepped-down") return { ready: false, checks: { leadership: `stepped down: ${this.stepped}` } };
    return lease === undefined
      ? { ready: false, checks: { leadership: "follower: no leader known yet (electing)" } }
      : { ready: true, checks: { leadership: `follower; forwarding to ${lease.address} (replica ${lease.holder}, epoch ${lease.epoch})` } };
  }

  /** Stops the election and the coordinator without recording anything (a crash, or the end). */
  async close(): Promise<void> {
    await this.elector.stop();
    await this.building;
    const built = this.built;
    this.built = undefined;
    if (built !== undefined) {
      built.crash();
      await built.server?.close().catch(() => undefined);
    }
  }

  private takeOver(epoch: number): void {
    this.options.logger.info({ replica: this.id, epoch }, "won the leadership lease; rebuilding the indexes from the store");
    const gate = this.gate;
    this.building = this.options
      .build({ store: leaderGatedStore(this.options.store, gate), broker: this.options.broker === undefined ? undefined : leaderGatedBroker(this.options.broker, gate), gate })
      .then(
        async (built) => {
          if (this.stepped !== undefined) {
            built.crash();
            await built.server?.close().catch(() => undefined);
            return;
          }
          await built.server?.ready();
          this.built = built;
          this.options.logger.info({ replica: this.id, epoch }, "leading: scheduling, relaying and reaping");
        },
        (error: unknown) => this.stepDown(`could not take over: ${error instanceof Error ? error.message : String(error)}`),
      );
  }

  private stepDown(reason: string): void {
    if (this.stepped !== undefined) return;
    this.stepped = reason;
    const built = this.built;
    // Timers first, synchronously: nothing this process still has scheduled may assign or publish.
    built?.crash();
    void this.elector.stop();
    this.options.logger.warn({ replica: this.id, reason }, "no longer the leader: stopping this replica (a fresh one rejoins as a follower)");
    void Promise.resolve(built?.server?.close())
      .catch(() => undefined)
      .finally(() => this.options.onStepDown(reason));
  }
}
