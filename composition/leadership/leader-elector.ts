import { type Clock, FLEET_PRODUCT_ID } from "../../contracts/index.js";
import { isStoreError, type StorePort } from "../../store/port.js";
import {
  type Candidate,
  decideLeadership,
  holdsAt,
  LEADER_LEASE_ID,
  LeaderLease,
  type LeaseTiming,
  type Observation,
  type PendingWrite,
  type StoredLease,
  type Tenure,
} from "../../coordinator/leadership/leader-lease.js";
import type { LeaderGate } from "../../coordinator/leadership/leader-gate.js";

export type LeadershipRole = "candidate" | "follower" | "leader" | "deposed";

export interface LeaderElectorOptions {
  store: StorePort;
  clock: Clock;
  me: Candidate;
  timing: LeaseTiming;
  /** This replica just won the lease (epoch). Called once; the replica builds its coordinator. */
  onElected?: (epoch: number) => void;
  /** This replica led and the store names another holder: it must stop at once. Called once. */
  onDeposed?: (reason: string) => void;
  onError?: (error: unknown) => void;
}

/**
 * One replica's side of the election (the rules are coordinator/leadership/leader-lease.ts): reads
 * the lease document, decides, and writes it with compare-and-swap. `step()` is one round; the
 * process runs it on a timer (`start()`), the simulator calls it on its virtual clock. The gate it
 * exposes answers from memory, on this replica's clock: no store call per question.
 */
export class LeaderElector implements LeaderGate {
  private tenure: Tenure | undefined;
  private pending: PendingWrite | undefined;
  private observed: Observation | undefined;
  private lastSeen: LeaderLease | undefined;
  private takeoverAt: number | undefined;
  private state: LeadershipRole = "candidate";
  private timer: NodeJS.Timeout | undefined;
  private stepping: Promise<void> | undefined;
  private stopped = false;
  private readonly counts = { steps: 0, acquired: 0, renewed: 0, lostRaces: 0, failures: 0 };

  constructor(private readonly options: LeaderElectorOptions) {}

  role(): LeadershipRole {
    return this.state;
  }

  holds(): boolean {
    return this.state === "leader" && holdsAt(this.tenure, this.options.timing, this.options.clock.now());
  }

  epoch(): number | undefined {
    return this.state === "leader" ? this.tenure?.epoch : undefined;
  }

  /** The lease as last read or written: who leads, where to forward. */
  leader(): LeaderLease | undefined {
    return this.lastSeen;
  }

  stats() {
    return { ...this.counts };
  }

  /** Runs `step()` every renewal period until `stop()`. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      void this.step().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.delayToNextStep());
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.stepping;
  }

  /** One round: read, decide, write. Never throws (failures are reported and retried next round). */
  step(): Promise<void> {
    this.stepping ??= this.round().finally(() => {
      this.stepping = undefined;
    });
    return this.stepping;
  }

  private async round(): Promise<void> {
    if (this.state === "deposed") return;
    this.counts.steps++;
    const { store, clock, me, timing } = this.options;
    let stored: StoredLease | undefined;
    try {
      stored = await readLease(store);
    } catch (error) {
      this.counts.failures++;
      this.options.onError?.(error);
      return;
    }
    if (stored !== undefined) this.lastSeen = stored.lease;
    const now = clock.now();
    const decision = decideLeadership({ now, me, timing, stored, observed: this.observed, tenure: this.tenure, pending: this.pending });
    switch (decision.kind) {
      case "follow":
        this.observed = decision.observed;
        this.takeoverAt = decision.takeoverAt;
        this.pending = undefined;
        if (this.state === "candidate") this.state = "follower";
        return;
      case "hold":
        this.tenure = decision.tenure;
        this.pending = undefined;
        this.becomeLeader();
        return;
      case "step-down":
        this.depose(decision.reason);
        return;
      case "acquire":
      case "renew": {
        const sentAt = now;
        this.pending = { epoch: decision.lease.epoch, sentAt };
        if (decision.kind === "renew") this.tenure = decision.tenure;
        try {
          const written = await writeLease(store, decision.lease, decision.ifMatch, clock.now());
          this.tenure = { epoch: decision.lease.epoch, version: written.version, sentAt, acquiredAt: decision.lease.acquiredAt };
          this.pending = undefined;
          this.lastSeen = decision.lease;
          this.observed = undefined;
          if (decision.kind === "acquire") this.counts.acquired++;
          else this.counts.renewed++;
          this.becomeLeader();
        } catch (error) {
          if (isStoreError(error, "conflict") || isStoreError(error, "already_exists") || isStoreError(error, "not_found")) {
            // Someone else wrote first: the next round reads who, and steps down if it was this one's lease.
            this.counts.lostRaces++;
            this.pending = undefined;
          } else {
            // Unknown outcome (a timeout) or no answer: the next read tells whether it landed.
            this.counts.failures++;
            this.options.onError?.(error);
          }
        }
        return;
      }
    }
  }

  private becomeLeader(): void {
    if (this.state === "leader" || this.state === "deposed") return;
    this.state = "leader";
    this.options.onElected?.(this.tenure!.epoch);
  }

  private depose(reason: string): void {
    if (this.state === "deposed") return;
    this.state = "deposed";
    this.tenure = undefined;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.options.onDeposed?.(reason);
  }

  /** Leaders renew on time; followers look as often, and once more right when they could take over. */
  private delayToNextStep(): number {
    const { renewEveryMs } = this.options.timing;
    if (this.state !== "leader" || this.tenure === undefined) {
      const untilTakeover = this.takeoverAt === undefined ? renewEveryMs : this.takeoverAt - this.options.clock.now() + 1;
      return Math.max(10, Math.min(renewEveryMs, untilTakeover));
    }
    return Math.max(10, this.tenure.sentAt + renewEveryMs - this.options.clock.now());
  }
}

export async function readLease(store: StorePort): Promise<StoredLease | undefined> {
  const stored = await store.get("checkpoints", LEADER_LEASE_ID, LEADER_LEASE_ID);
  if (stored === undefined) return undefined;
  const parsed = LeaderLease.safeParse(stored.doc.data);
  if (!parsed.success) throw new Error(`the leadership lease document ${LEADER_LEASE_ID} is not a lease (${parsed.error.issues[0]?.message ?? "invalid"}); delete it and the replicas elect a leader again`);
  return { lease: parsed.data, version: stored.etag };
}

async function writeLease(store: StorePort, lease: LeaderLease, ifMatch: string | undefined, now: number): Promise<{ version: string }> {
  const doc = { id: LEADER_LEASE_ID, productId: FLEET_PRODUCT_ID, data: { ...lease }, updatedAt: now };
  const written = ifMatch === undefined ? await store.create("checkpoints", doc) : await store.replace("checkpoints", doc, ifMatch);
  return { version: written.etag };
}
