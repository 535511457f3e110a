import { AssignmentMessage, FleetError, type JobDoc } from "../../contracts/index.js";
import type { FactoryPrincipal } from "../../coordinator/auth/principal.js";
import type { BrokerReceiver, ReceivedMessage } from "../../broker/port.js";
import type { SimWorld } from "./sim-world.js";

const FENCED = new Set(["STALE_EPOCH", "LEASE_TAKEN", "NOT_FOUND", "FORBIDDEN"]);

/**
 * A factory agent in the simulation: the real agent's protocol (receive in peek-lock, validate,
 * accept the lease for the message's epoch, settle, renew at a third of the lease, report stages,
 * release) driven by the event loop, with the faults a real container suffers: kill -9, pause past
 * its lease, SIGTERM drain, and poison work that crashes it.
 */
export class SimAgent {
  private alive = true;
  private busy = false;
  private pausedUntil = 0;
  private idleSince: number;
  private readonly receiver: BrokerReceiver;
  private readonly principal: FactoryPrincipal;
  /** This agent's clock: offset from the coordinator's, and the rate it runs at. */
  private readonly clockOffsetMs: number;
  readonly clockRate: number;
  private readonly bornAt: number;

  constructor(
    readonly id: string,
    private readonly world: SimWorld,
  ) {
    const { maxClockSkewMs, maxClockDrift } = world.plan;
    this.bornAt = world.clock.now();
    this.clockOffsetMs = maxClockSkewMs === 0 ? 0 : world.random.int(-maxClockSkewMs, maxClockSkewMs);
    this.clockRate = maxClockDrift === 0 ? 1 : 1 - maxClockDrift + world.random.next() * 2 * maxClockDrift;
    this.idleSince = this.now();
    this.receiver = world.broker.openReceiver({ topic: world.topology.topic, subscription: "general" });
    this.principal = { kind: "factory", credentialId: "sim", productId: "*", pool: "general", factoryId: id };
  }

  /** The time on this agent's clock. */
  private now(): number {
    return this.bornAt + this.clockOffsetMs + (this.world.clock.now() - this.bornAt) * this.clockRate;
  }

  /** Runs `fn` once `ms` have passed on this agent's clock. */
  private after(ms: number, fn: () => void | Promise<void>): void {
    this.world.loop.after(Math.round(ms / this.clockRate), fn);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  start(): void {
    this.world.history.record({ t: this.world.clock.now(), type: "agent-start", agent: this.id });
    this.after(this.world.random.int(50, 500), () => this.poll());
  }

  private async poll(): Promise<void> {
    if (!this.alive || this.busy) return;
    if (this.now() - this.idleSince > 5000) {
      this.alive = false;
      return;
    }
    let messages: ReceivedMessage[];
    try {
      messages = await this.receiver.receive(1, 0);
    } catch {
      this.after(500, () => this.poll());
      return;
    }
    const message = messages[0];
    if (message === undefined) {
      this.after(250, () => this.poll());
      return;
    }
    await this.handle(message);
  }

  private async handle(message: ReceivedMessage): Promise<void> {
    const parsed = AssignmentMessage.safeParse(message.body);
    if (!parsed.success) {
      await this.receiver.deadLetter(message, "InvalidAssignment", "invalid body").catch(() => undefined);
      this.after(10, () => this.poll());
      return;
    }
    await this.tryAccept(message, parsed.data.jobId, parsed.data.epoch, parsed.data.acceptBy);
  }

  /**
   * Accepts the lease for the message's epoch. A transient failure (coordinator down, store
   * throttling) does NOT abandon the message (that would burn its delivery count and dead-letter
   * healthy work): the agent keeps the lock renewed and retries until the accept deadline, after
   * which the assignment is stale and the coordinator requeues it anyway.
   */
  private async tryAccept(message: ReceivedMessage, jobId: string, epoch: number, acceptBy: number): Promise<void> {
    if (!this.alive) return;
    const coordinator = this.world.coordinator;
    let job: JobDoc;
    try {
      if (coordinator === undefined) throw new Error("coordinator unreachable");
      job = await coordinator.accept(this.principal, jobId, epoch);
    } catch (error) {
      if (error instanceof FleetError && FENCED.has(error.code)) {
        this.world.history.record({ t: this.world.clock.now(), type: "accept", agent: this.id, jobId, epoch, ok: false, detail: error.code });
        await this.receiver.complete(message).catch(() => undefined);
        this.after(100, () => this.poll());
        return;
      }
      if (this.now() >= acceptBy) {
        await this.receiver.complete(message).catch(() => undefined);
        this.after(100, () => this.poll());
        return;
      }
      await this.receiver.renewLock(message).catch(() => undefined);
      this.after(300, () => this.tryAccept(message, jobId, epoch, acceptBy));
      return;
    }
    this.world.history.record({ t: this.world.clock.now(), type: "accept", agent: this.id, jobId, epoch, ok: true, currentEpoch: job.leaseEpoch });
    await this.receiver.complete(message).catch(() => undefined);
    this.busy = true;
    this.idleSince = this.now();
    this.work(job, epoch);
  }

  /** Schedules the attempt: renewals, stage reports, release, and whatever fault befalls it. */
  private work(job: JobDoc, epoch: number): void {
    const { random, loop, options, plan } = this.world;
    const duration = random.int(1500, 6000);
    const leaseMs = 10_000;
    const generation = { fenced: false };
    if (job.bodyMd.includes("sim:poison")) {
      // Poison crashes the work partway through: on the agent's clock, like the work itself.
      this.after(random.int(100, duration - 1), () => {
        if (!this.alive) return;
        this.world.history.record({ t: this.world.clock.now(), type: "poison-crash", agent: this.id, jobId: job.id, epoch });
        this.alive = false;
      });
    } else if (random.chance(plan.agentKillRate)) {
      loop.after(random.int(100, duration), () => {
        if (!this.alive) return;
        this.world.history.record({ t: this.world.clock.now(), type: "agent-kill", agent: this.id, jobId: job.id, epoch });
        this.alive = false;
      });
    } else if (random.chance(plan.agentPauseRate)) {
      loop.after(random.int(100, duration / 2), () => {
        if (!this.alive) return;
        this.pausedUntil = this.world.clock.now() + leaseMs * 2 + random.int(0, 5000);
        this.world.history.record({ t: this.world.clock.now(), type: "agent-pause", agent: this.id, jobId: job.id, epoch });
      });
    } else if (random.chance(plan.agentDrainRate)) {
      loop.after(random.int(100, duration - 100), async () => {
        if (!this.alive || generation.fenced) return;
        this.world.history.record({ t: this.world.clock.now(), type: "agent-drain", agent: this.id, jobId: job.id, epoch });
        await this.call("release", job.id, epoch, (c) => c.release(this.principal, job.id, { leaseEpoch: epoch, outcome: "drained", checkpoint: { ref: `wip/${job.id}` } }), generation, () => {
          this.alive = false;
        });
      });
    }
    for (let at = leaseMs / 3; at < duration; at += leaseMs / 3) {
      this.after(at, () => this.call("renew", job.id, epoch, (c) => c.renew(this.principal, job.id, epoch), generation));
    }
    this.after(duration / 3, () => this.call("report", job.id, epoch, (c) => c.report(this.principal, job.id, { stage: "review", leaseEpoch: epoch }), generation));
    this.after((2 * duration) / 3, () => this.call("report", job.id, epoch, (c) => c.report(this.principal, job.id, { stage: "testing", leaseEpoch: epoch }), generation));
    // The agent's own timers (renewals, reports, the end of the work) run on its clock; the
    // faults that befall it run on real time.
    this.after(duration, () =>
      this.call("release", job.id, epoch, (c) => c.release(this.principal, job.id, { leaseEpoch: epoch, outcome: "shipped" }), generation, async (shipped) => {
        if (shipped) this.world.history.record({ t: this.world.clock.now(), type: "completed", agent: this.id, jobId: job.id, epoch });
        else if (generation.fenced && !options.fencing && this.alive) await this.zombieShip(job.id, epoch);
        if (this.alive) this.finishAttempt();
      }),
    );
  }

  /**
   * One fenced call, honouring pause and kill; retries transient failures a few times. Never
   * awaits future events (the loop runs one event at a time): the outcome goes to `done`.
   */
  private async call(
    kind: "report" | "release" | "renew",
    jobId: string,
    epoch: number,
    run: (coordinator: NonNullable<SimWorld["coordinator"]>) => Promise<JobDoc>,
    generation: { fenced: boolean },
    done: (ok: boolean) => Promise<void> | void = () => undefined,
    attempt = 0,
  ): Promise<void> {
    if (!this.alive || generation.fenced) return done(false);
    const now = this.world.clock.now();
    if (now < this.pausedUntil) {
      // Paused (SIGSTOP): the call happens when the process resumes.
      this.world.loop.at(this.pausedUntil, () => this.call(kind, jobId, epoch, run, generation, done, attempt));
      return;
    }
    const coordinator = this.world.coordinator;
    try {
      if (coordinator === undefined) throw new Error("coordinator unreachable");
      const job = await run(coordinator);
      if (kind !== "renew") this.world.history.record({ t: now, type: kind, agent: this.id, jobId, epoch, ok: true, currentEpoch: job.leaseEpoch });
      return done(true);
    } catch (error) {
      if (error instanceof FleetError && FENCED.has(error.code)) {
        generation.fenced = true;
        this.world.history.record({ t: now, type: "fenced", agent: this.id, jobId, epoch, detail: `${kind}: ${error.code}` });
        return done(false);
      }
      if ((error instanceof FleetError && error.code === "ILLEGAL_TRANSITION") || attempt >= 20) return done(false);
      this.after(300, () => this.call(kind, jobId, epoch, run, generation, done, attempt + 1));
    }
  }

  /** The planted bug: with fencing off, a fenced zombie forces its result in anyway. */
  private async zombieShip(jobId: string, epoch: number): Promise<void> {
    const coordinator = this.world.coordinator;
    if (coordinator === undefined) return;
    try {
      await coordinator.action(undefined, jobId, "ship", "zombie");
      this.world.history.record({ t: this.world.clock.now(), type: "zombie-write", agent: this.id, jobId, epoch });
      this.world.history.record({ t: this.world.clock.now(), type: "completed", agent: this.id, jobId, epoch });
    } catch {
      // The store refused; nothing happened.
    }
  }

  private finishAttempt(): void {
    this.busy = false;
    this.idleSince = this.now();
    // One-shot, as a KEDA ScaledJob container: one assignment, then exit.
    this.alive = false;
  }
}
