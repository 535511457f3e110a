import { AssignmentMessage } from "../contracts/index.js";
import type { BrokerPort, BrokerReceiver, ReceivedMessage } from "../broker/port.js";

/** How the monitor hands a broker dead letter to the coordinator. */
export interface DeadLetterSink {
  /** Returns whether the dead letter changed the job (false: stale epoch or job gone). */
  deadLetter(jobId: string, letter: { epoch: number; pool: string; reason: string; description?: string }): Promise<{ applied: boolean }>;
}

export interface DeadLetterStats {
  reconciled: number;
  stale: number;
  expired: number;
  unreadable: number;
  byReason: Record<string, number>;
  /** Whether the last poll of the dead-letter queues failed (the broker is unreachable). */
  lastPollFailed: boolean;
}

/** Reasons that do not mean the job is poison: an assignment that expired unaccepted is simply
 * requeued by the reaper (its epoch moves on), so the expired message is settled and counted. */
const NOT_A_JOB_FAILURE = new Set(["TTLExpiredException"]);

const DEFAULT_POLL_MS = 1000;
const DEFAULT_IDLE_MAX_MS = 30_000;

/**
 * Watches every pool's dead-letter sub-queue and reconciles each message into its job: stage
 * `dead_letter` with the broker's reason if the message's epoch is still current; otherwise the
 * message is stale and only counted. Each message is completed (removed from the DLQ) only after
 * the job write succeeded, so a crash in between re-reads it, and the reconciliation is idempotent.
 */
export class DeadLetterMonitor {
  private readonly receivers = new Map<string, BrokerReceiver>();
  private readonly stats_: DeadLetterStats = { reconciled: 0, stale: 0, expired: 0, unreadable: 0, byReason: {}, lastPollFailed: false };
  private stopped = true;
  private loopDone: Promise<void> = Promise.resolve();
  private intervalMs = DEFAULT_POLL_MS;
  /** The wait before the next poll: back to `intervalMs` on activity, doubling while polls find nothing. */
  private delayMs = DEFAULT_POLL_MS;
  private polls = 0;
  private activitySeq = 0;
  private sleeping: { timer: NodeJS.Timeout | undefined; until: number; wake: () => void } | undefined;

  constructor(
    private readonly deps: {
      broker: BrokerPort;
      topic: string;
      subscriptions: readonly { name: string; pool: string }[];
      sink: DeadLetterSink;
      onError?: (error: unknown) => void;
      onUnreadable?: (message: ReceivedMessage, subscription: string) => void;
      /** The longest wait between polls while nothing happens (default 30 s): how late a dead
       * letter may show up on an idle fleet whose subscriptions still hold messages. */
      idleMaxMs?: number;
      /** Whether no message can be in any subscription (so none can become a dead letter), answered
       * without a broker operation when it holds: the monitor then stops polling, asks again every
       * interval, and polls at once when it no longer holds. Default: never (it keeps backing off). */
      quiet?: () => Promise<boolean>;
      now?: () => number;
    },
  ) {}

  /** Polls of the dead-letter queues so far (each reads every subscription's DLQ once). */
  pollCount(): number {
    return this.polls;
  }

  /** Something happened that can lead to dead letters (an assignment published, a message
   * settled): poll again within the base interval, resuming a monitor that stopped while quiet. */
  activity(): void {
    this.activitySeq++;
    this.delayMs = this.intervalMs;
    const sleeping = this.sleeping;
    if (sleeping === undefined) return;
    const due = this.now() + this.intervalMs;
    if (sleeping.until <= due) return;
    if (sleeping.timer !== undefined) clearTimeout(sleeping.timer);
    sleeping.until = due;
    sleeping.timer = setTimeout(sleeping.wake, this.intervalMs);
  }

  stats(): DeadLetterStats {
    return { ...this.stats_, byReason: { ...this.stats_.byReason } };
  }

  /** Drains what is in every DLQ right now (bounded by `maxPerSubscription`). Returns how many
   * messages were settled. The simulator calls this; `start()` runs it in a loop. */
  async pollOnce(maxPerSubscription = 100, waitMs = 0): Promise<number> {
    this.polls++;
    let settled = 0;
    for (const { name, pool } of this.deps.subscriptions) {
      const receiver = this.receiverFor(name);
      const messages = await receiver.receive(maxPerSubscription, waitMs);
      for (const message of messages) {
        await this.reconcile(receiver, message, pool, name);
        settled++;
      }
    }
    return settled;
  }

  /**
   * Polls every DLQ: again at once while it finds dead letters, after `intervalMs` following
   * activity, then backing off (doubling) to `idleMaxMs` while polls find nothing; and not at all
   * while `quiet()` says no message is left that could become a dead letter.
   * So a dead letter shows up within `intervalMs` plus a poll while assignments flow, within
   * `idleMaxMs` on a fleet gone idle with messages still waiting, and an idle, empty fleet costs
   * the broker nothing.
   */
  start(intervalMs = DEFAULT_POLL_MS): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.delayMs = intervalMs;
    const idleMaxMs = Math.max(intervalMs, this.deps.idleMaxMs ?? DEFAULT_IDLE_MAX_MS);
    this.loopDone = (async () => {
      let failedDelay = intervalMs;
      while (!this.stopped) {
        let wait: number;
        try {
          const settled = await this.pollOnce(100, 0);
          this.stats_.lastPollFailed = false;
          failedDelay = intervalMs;
          if (settled > 0) {
            this.delayMs = intervalMs;
            continue;
          }
          wait = this.delayMs;
          this.delayMs = Math.min(this.delayMs * 2, idleMaxMs);
          if (await this.parkWhileQuiet()) continue;
        } catch (error) {
          this.stats_.lastPollFailed = true;
          this.deps.onError?.(error);
          failedDelay = Math.min(failedDelay * 2, 10_000);
          wait = failedDelay;
        }
        if (!this.stopped) await this.sleep(wait);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeping?.wake();
    await this.loopDone;
    for (const receiver of this.receivers.values()) await receiver.close().catch(() => undefined);
    this.receivers.clear();
  }

  /** While `quiet()` holds, polls nothing: asks it again every interval (it answers from memory
   * and cached counts, no broker operation) and returns true once it stops holding (or on
   * activity), for a poll at once and the backoff to start over. False: not quiet. */
  private async parkWhileQuiet(): Promise<boolean> {
    const quiet = this.deps.quiet;
    if (quiet === undefined) return false;
    const seq = this.activitySeq;
    const holds = async () => !this.stopped && seq === this.activitySeq && (await quiet().catch(() => false));
    if (!(await holds())) return false;
    while (await holds()) await this.sleep(this.intervalMs);
    this.delayMs = this.intervalMs;
    return true;
  }

  /** Waits `ms`; activity() shortens it to the interval. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeping = {
        timer: undefined as NodeJS.Timeout | undefined,
        until: this.now() + ms,
        wake: () => {
          if (sleeping.timer !== undefined) clearTimeout(sleeping.timer);
          if (this.sleeping === sleeping) this.sleeping = undefined;
          resolve();
        },
      };
      if (Number.isFinite(ms)) sleeping.timer = setTimeout(sleeping.wake, ms);
      this.sleeping = sleeping;
    });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private receiverFor(subscription: string): BrokerReceiver {
    let receiver = this.receivers.get(subscription);
    if (receiver === undefined) {
      receiver = this.deps.broker.openReceiver({ topic: this.deps.topic, subscription, deadLetter: true });
      this.receivers.set(subscription, receiver);
    }
    return receiver;
  }

  private async reconcile(receiver: BrokerReceiver, message: ReceivedMessage, pool: string, subscription: string): Promise<void> {
    const reason = message.deadLetterReason ?? "DeadLettered";
    this.stats_.byReason[reason] = (this.stats_.byReason[reason] ?? 0) + 1;
    const parsed = AssignmentMessage.safeParse(message.body);
    if (!parsed.success) {
      // Not an assignment (a malformed publish): nothing to reconcile into. Keep a record and settle it.
      this.stats_.unreadable++;
      this.deps.onUnreadable?.(message, subscription);
      await receiver.complete(message);
      return;
    }
    if (NOT_A_JOB_FAILURE.has(reason)) {
      this.stats_.expired++;
      await receiver.complete(message);
      return;
    }
    const result = await this.deps.sink.deadLetter(parsed.data.jobId, {
      epoch: parsed.data.epoch,
      pool,
      reason,
      ...(message.deadLetterDescription === undefined ? {} : { description: message.deadLetterDescription }),
    });
    if (result.applied) this.stats_.reconciled++;
    else this.stats_.stale++;
    await receiver.complete(message);
  }
}
