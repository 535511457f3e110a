import type { Logger } from "pino";
import { AssignmentMessage, type Clock, type Timers, assignmentMessageId, callRetryBackoffMs } from "../contracts/index.js";
import { formatZodIssues } from "../contracts/validation-message.js";
import type { BrokerPort, BrokerReceiver, ReceivedMessage } from "../broker/port.js";
import type { AgentConfig } from "./config.js";
import type { CoordinatorPort } from "./coordinator-port.js";
import type { Engine } from "./engines/port.js";
import { AttemptRunner } from "./run-assignment.js";

/** The part of the configuration the assignment loop reads. */
export type AgentLoopConfig = Pick<AgentConfig, "pool" | "topic" | "subscription" | "mode" | "seats" | "idleTimeoutMs" | "workDir" | "defaultWallMs">;

export interface AgentDeps {
  broker: BrokerPort;
  client: CoordinatorPort;
  engine: Engine;
  logger: Logger;
  /** The agent's own clock: idle timeout, accept deadline and lock renewal are measured on it. */
  clock: Clock;
  timers: Timers;
  /** The jitter of the receive retry backoff. */
  random: () => number;
}

const RECEIVE_BACKOFF = { baseMs: 100, maxMs: 5000 };

export type AgentExit = "idle" | "one-shot-done" | "drained" | "finished";

export interface AgentStats {
  received: number;
  accepted: number;
  dropped: number;
  deadLettered: number;
  released: number;
  fenced: number;
  running: number;
}

/**
 * The assignment loop of one factory container. Receives in peek-lock, never asking for more
 * messages than free seats; validates each message (an invalid one is dead-lettered with a reason
 * and the loop carries on); accepts the lease for the message's epoch; settles the message once the
 * accept succeeded (from then on the lease, not the message lock, carries the execution) or once
 * the accept was refused (a stale or taken epoch); and runs the engine.
 */
export class Agent {
  private readonly running = new Map<string, { runner: AttemptRunner; done: Promise<void> }>();
  /** Received messages whose accept (and settlement) is in flight, by job id: each holds a seat. */
  private readonly accepting = new Map<string, Promise<void>>();
  /** Invalid or duplicate messages being settled (they hold no seat but are awaited on exit). */
  private readonly settling = new Set<Promise<void>>();
  private readonly stats_: AgentStats = { received: 0, accepted: 0, dropped: 0, deadLettered: 0, released: 0, fenced: 0, running: 0 };
  private draining = false;
  /** The pool is draining: take no new assignment, finish what runs, then exit. */
  private finishing = false;
  /** Wakes the loop while it waits for a seat to free up (the pool began draining). */
  private wakeReceive: (() => void) | undefined;
  private receiver: BrokerReceiver | undefined;
  private lastActivity: number;
  private finishedJobs = 0;

  constructor(
    private readonly config: AgentLoopConfig,
    private readonly deps: AgentDeps,
  ) {
    this.lastActivity = deps.clock.now();
  }

  stats(): AgentStats {
    return { ...this.stats_, running: this.running.size };
  }

  /** SIGTERM: stop receiving, checkpoint and hand back every running job, then return. */
  async drain(): Promise<void> {
    this.draining = true;
    for (const { runner } of this.running.values()) runner.drain();
    this.wakeReceive?.();
    // Accepts still in flight end in a runner that drains at once (see handle()); wait for them,
    // then for every attempt to hand back.
    await this.settled();
  }

  /** The coordinator drains this pool: finish the jobs held (no checkpoint, no hand-back), take no
   * new assignment, then `run()` returns "finished". */
  finishAndExit(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.deps.logger.info({ running: this.running.size }, "the pool is draining: finishing the jobs held, taking no new work");
    this.wakeReceive?.();
  }

  async run(): Promise<AgentExit> {
    const log = this.deps.logger;
    this.receiver = this.deps.broker.openReceiver({ topic: this.config.topic, subscription: this.config.subscription });
    let failures = 0;
    try {
      while (!this.draining && !this.finishing) {
        const held = this.running.size + this.accepting.size;
        if (this.config.mode === "one-shot" && this.finishedJobs > 0 && held === 0) return "one-shot-done";
        const capacity = this.config.mode === "one-shot" ? Math.max(0, 1 - this.finishedJobs - held) : this.config.seats - held;
        if (capacity <= 0) {
          await Promise.race([...this.running.values()].map((r) => r.done).concat([...this.accepting.values()], new Promise<void>((resolve) => (this.wakeReceive = resolve))));
          continue;
        }
        if (held === 0 && this.deps.clock.now() - this.lastActivity >= this.config.idleTimeoutMs) return "idle";
        let messages: ReceivedMessage[];
        try {
          messages = await this.receiver.receive(capacity, 1000);
          failures = 0;
        } catch (error) {
          failures++;
          const delay = callRetryBackoffMs({ attempt: failures, ...RECEIVE_BACKOFF }, this.deps.random);
          log.warn({ err: error, retryInMs: delay }, "receive failed; retrying");
          await this.deps.timers.sleep(delay);
          continue;
        }
        // Every message of the batch is accepted at once, each settled after its own outcome; the
        // receive asked for no more than the free seats, and each message holds a seat from here.
        for (const message of messages) this.start(message);
      }
      return this.finishing && !this.draining ? "finished" : "drained";
    } finally {
      await this.settled();
      await this.receiver.close().catch(() => undefined);
    }
  }

  /** Resolves once no accept, settlement or attempt is in flight (accepts can start attempts). */
  private async settled(): Promise<void> {
    while (this.accepting.size > 0 || this.settling.size > 0 || this.running.size > 0) {
      await Promise.all([...this.accepting.values(), ...this.settling, ...[...this.running.values()].map((r) => r.done)]);
    }
  }

  /** Handles one received message in the background, holding a seat while its accept is in flight. */
  private start(message: ReceivedMessage): void {
    this.stats_.received++;
    const parsed = AssignmentMessage.safeParse(message.body);
    const jobId = parsed.success ? parsed.data.jobId : undefined;
    const holdsSeat = parsed.success && parsed.data.pool === this.config.pool && !this.running.has(parsed.data.jobId) && !this.accepting.has(parsed.data.jobId);
    const work = this.handle(message, parsed).catch((error: unknown) => this.deps.logger.error({ err: error, messageId: message.messageId }, "handling an assignment failed unexpectedly"));
    if (holdsSeat && jobId !== undefined) {
      const tracked = work.finally(() => this.accepting.delete(jobId));
      this.accepting.set(jobId, tracked);
    } else {
      const tracked: Promise<void> = work.finally(() => this.settling.delete(tracked));
      this.settling.add(tracked);
    }
  }

  private async handle(message: ReceivedMessage, parsed: ReturnType<typeof AssignmentMessage.safeParse>): Promise<void> {
    const receiver = this.receiver!;
    if (!parsed.success || parsed.data.pool !== this.config.pool) {
      const description = parsed.success ? `assignment for pool '${parsed.data.pool}' reached pool '${this.config.pool}'` : formatZodIssues(parsed.error.issues);
      this.deps.logger.warn({ messageId: message.messageId, description }, "invalid assignment message; dead-lettering it");
      await settle(() => receiver.deadLetter(message, parsed.success ? "WrongPool" : "InvalidAssignment", description.slice(0, 1000)), this.deps.logger);
      this.stats_.deadLettered++;
      return;
    }
    const assignment = parsed.data;
    const log = this.deps.logger.child({ jobId: assignment.jobId, epoch: assignment.epoch, messageId: assignmentMessageId(assignment.jobId, assignment.epoch) });
    if (this.running.has(assignment.jobId) || this.accepting.has(assignment.jobId)) {
      log.info("duplicate delivery of a job already accepted or running here; settling it");
      await settle(() => receiver.complete(message), log);
      this.stats_.dropped++;
      return;
    }
    const { clock, timers } = this.deps;
    this.lastActivity = clock.now();
    // Keep the message locked while the accept is retried: abandoning (or letting the lock lapse)
    // during a coordinator outage would burn delivery counts and dead-letter healthy work.
    const keepLock = timers.setInterval(() => void receiver.renewLock(message).catch(() => undefined), Math.max(1000, (message.lockedUntil - clock.now()) / 2));
    const accepted = await this.deps.client.accept(assignment.jobId, assignment.epoch, Math.max(1000, assignment.acceptBy - clock.now()));
    timers.clearInterval(keepLock);
    if (!accepted.ok) {
      if (accepted.code === "UNAUTHENTICATED") {
        // This factory's token was revoked (or expired): every later call would be refused too.
        // Hand the assignment back at once for another factory and take no more.
        log.error({ message: accepted.message }, "the coordinator refuses this factory's token (revoked or expired); handing the assignment back and taking no more work");
        await settle(() => receiver.abandon(message), log);
        this.finishAndExit();
        return;
      }
      if (accepted.code === "UNREACHABLE") {
        // Past the accept deadline the assignment is stale: the coordinator requeues it itself.
        log.warn({ message: accepted.message }, "coordinator unreachable until the accept deadline; dropping the assignment");
        await settle(() => receiver.complete(message), log);
      } else {
        log.info({ code: accepted.code }, "assignment refused (stale or taken epoch); settling it");
        await settle(() => receiver.complete(message), log);
        this.stats_.dropped++;
      }
      return;
    }
    this.stats_.accepted++;
    await settle(() => receiver.complete(message), log);
    log.debug({ attempt: assignment.attempt }, "lease accepted; running");
    const runner = new AttemptRunner(accepted.value, assignment, this.deps.client, this.deps.engine, {
      workDir: this.config.workDir,
      defaultWallMs: this.config.defaultWallMs,
      logger: log,
      clock,
      timers,
    });
    const done = runner.run().then(
      (end) => {
        if (end === "released") this.stats_.released++;
        else if (end === "fenced") this.stats_.fenced++;
      },
      (error: unknown) => log.error({ err: error }, "attempt failed unexpectedly"),
    );
    const entry = {
      runner,
      done: done.finally(() => {
        this.running.delete(assignment.jobId);
        this.finishedJobs++;
        this.lastActivity = clock.now();
      }),
    };
    this.running.set(assignment.jobId, entry);
    // SIGTERM came while this accept was in flight: drain() has already handed back what was
    // running then, so this attempt checkpoints and releases at once instead of running to the end.
    if (this.draining) runner.drain();
  }
}

/** Settlement failures (a lock lost during an outage) are logged, never fatal: the coordinator's
 * lease, not the message, decides what runs. */
async function settle(action: () => Promise<void>, logger: Logger): Promise<void> {
  try {
    await action();
  } catch (error) {
    logger.warn({ err: error }, "could not settle the message");
  }
}
