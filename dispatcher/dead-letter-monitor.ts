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

  constructor(
    private readonly deps: {
      broker: BrokerPort;
      topic: string;
      subscriptions: readonly { name: string; pool: string }[];
      sink: DeadLetterSink;
      onError?: (error: unknown) => void;
      onUnreadable?: (message: ReceivedMessage, subscription: string) => void;
    },
  ) {}

  stats(): DeadLetterStats {
    return { ...this.stats_, byReason: { ...this.stats_.byReason } };
  }

  /** Drains what is in every DLQ right now (bounded by `maxPerSubscription`). Returns how many
   * messages were settled. The simulator calls this; `start()` runs it in a loop. */
  async pollOnce(maxPerSubscription = 100, waitMs = 0): Promise<number> {
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

  start(intervalMs = 1000): void {
    this.stopped = false;
    this.loopDone = (async () => {
      let delay = intervalMs;
      while (!this.stopped) {
        try {
          const settled = await this.pollOnce(100, 0);
          this.stats_.lastPollFailed = false;
          delay = settled > 0 ? 0 : intervalMs;
        } catch (error) {
          this.stats_.lastPollFailed = true;
          this.deps.onError?.(error);
          delay = Math.min(delay * 2, 10_000);
        }
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loopDone;
    for (const receiver of this.receivers.values()) await receiver.close().catch(() => undefined);
    this.receivers.clear();
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
