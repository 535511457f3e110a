import { type Clock, type JobDoc, callRetryBackoffMs } from "../contracts/index.js";
import type { BrokerPort } from "../broker/port.js";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker.js";
import { type OutboxEntry, assignmentMessageOf, outboxEntryOf } from "./outbox-entry.js";

/** Where the relay finds committed-but-maybe-unpublished assignments after a restart. */
export interface OutboxSource {
  /** Assigned jobs whose outbox marker is at or after `watermark` (a start-up query, not per job). */
  pendingSince(watermark: number): Promise<OutboxEntry[]>;
  /** false when the entry's epoch is no longer the job's assignment (requeued, accepted): skip it. */
  isCurrent(jobId: string, epoch: number): boolean;
}

/** The relay's progress: every assignment committed before the watermark has been published. */
export interface WatermarkStore {
  load(): Promise<number | undefined>;
  save(watermark: number): Promise<void>;
}

export interface OutboxRelayOptions {
  batchSize: number;
  /** How often the watermark is written: one small document, not a store write per job. */
  watermarkIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  failureThreshold: number;
  circuitOpenMs: number;
}

export const DEFAULT_RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 100,
  watermarkIntervalMs: 2000,
  backoffBaseMs: 200,
  backoffMaxMs: 5000,
  failureThreshold: 3,
  circuitOpenMs: 2000,
};

export interface RelayStats {
  pending: number;
  /** Age of the oldest unpublished assignment (0 when none). */
  lagMs: number;
  maxLagMs: number;
  published: number;
  /** Entries published again after a restart (absorbed by duplicate detection). */
  republished: number;
  skipped: number;
  publishFailures: number;
  circuit: CircuitState;
  watermark: number;
  watermarksWritten: number;
}

/**
 * The outbox relay (DESIGN rule 2): publishes committed assignments to the topic and then records
 * progress. The coordinator hands it each assignment after the write commits; after a restart it
 * re-reads assignments since its watermark and publishes them again, and Service Bus duplicate
 * detection drops the copies (message id `jobId:epoch`). It owns its retry loop: backoff with
 * jitter and a circuit breaker, because the SDK does not retry a refused connection on send.
 */
export class OutboxRelay {
  private readonly pending = new Map<string, OutboxEntry & { recovered: boolean }>();
  private readonly breaker: CircuitBreaker;
  private readonly options: OutboxRelayOptions;
  private failures = 0;
  private nextAttemptAt = 0;
  private highestAt = 0;
  private watermark = 0;
  private savedWatermark = 0;
  private lastWatermarkAt = 0;
  private readonly stats_ = { published: 0, republished: 0, skipped: 0, publishFailures: 0, watermarksWritten: 0, maxLagMs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private pumping: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      broker: BrokerPort;
      topic: string;
      source: OutboxSource;
      watermarks: WatermarkStore;
      clock: Clock;
      random: () => number;
      onError?: (error: unknown, retryInMs: number) => void;
      /** After each successful publish: how long each entry waited since its commit. */
      onPublished?: (lagsMs: readonly number[]) => void;
    },
    options: Partial<OutboxRelayOptions> = {},
  ) {
    this.options = { ...DEFAULT_RELAY_OPTIONS, ...options };
    this.lastWatermarkAt = deps.clock.now();
    this.breaker = new CircuitBreaker({ failureThreshold: this.options.failureThreshold, openMs: this.options.circuitOpenMs });
  }

  /** AssignmentSink: called by the coordinator after an assignment write commits. */
  assignmentCommitted(job: JobDoc): void {
    const entry = outboxEntryOf(job);
    if (entry !== undefined) this.enqueue(entry, false);
    this.wake();
  }

  /** Re-reads what may not have been published before the last stop. Call before start(). */
  async recover(): Promise<number> {
    const watermark = (await this.deps.watermarks.load()) ?? 0;
    this.watermark = watermark;
    this.savedWatermark = watermark;
    const entries = await this.deps.source.pendingSince(watermark);
    for (const entry of entries.sort((a, b) => a.at - b.at)) this.enqueue(entry, true);
    return entries.length;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pumping;
    await this.saveWatermark(true).catch(() => undefined);
  }

  /** Stops at once WITHOUT recording progress, as a crash would: fault injection for tests and chaos. */
  crash(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  stats(): RelayStats {
    const now = this.deps.clock.now();
    const oldest = this.oldestPendingAt();
    return {
      pending: this.pending.size,
      lagMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
      maxLagMs: this.stats_.maxLagMs,
      published: this.stats_.published,
      republished: this.stats_.republished,
      skipped: this.stats_.skipped,
      publishFailures: this.stats_.publishFailures,
      circuit: this.breaker.state(now),
      watermark: this.watermark,
      watermarksWritten: this.stats_.watermarksWritten,
    };
  }

  /** One batch: publish up to batchSize entries if backoff and the circuit allow. Returns how many
   * were published; the simulator calls it directly, the timer loop in real time. */
  async pumpOnce(): Promise<number> {
    const now = this.deps.clock.now();
    if (this.pending.size === 0) {
      await this.saveWatermark(false);
      return 0;
    }
    if (now < this.nextAttemptAt) return 0;
    const batch: (OutboxEntry & { recovered: boolean })[] = [];
    for (const entry of this.pending.values()) {
      if (!this.deps.source.isCurrent(entry.jobId, entry.epoch) || entry.acceptBy <= now) {
        // Requeued, accepted, or past its accept deadline (the reaper requeues it): nothing to send.
        this.pending.delete(keyOf(entry));
        this.stats_.skipped++;
        continue;
      }
      batch.push(entry);
      if (batch.length >= this.options.batchSize) break;
    }
    if (batch.length === 0) {
      this.advanceWatermark();
      return 0;
    }
    // Ask the breaker only when there is something to send: a half-open trial must end in
    // succeeded() or failed(), or the circuit would stay half-open for good.
    if (!this.breaker.allow(now)) return 0;
    const lag = now - batch[0]!.at;
    if (lag > this.stats_.maxLagMs) this.stats_.maxLagMs = lag;
    try {
      await this.deps.broker.publish(
        this.deps.topic,
        batch.map((entry) => assignmentMessageOf(entry, now)),
      );
    } catch (error) {
      this.failures++;
      this.stats_.publishFailures++;
      this.breaker.failed(this.deps.clock.now());
      const delay = callRetryBackoffMs({ attempt: this.failures, baseMs: this.options.backoffBaseMs, maxMs: this.options.backoffMaxMs }, this.deps.random);
      this.nextAttemptAt = this.deps.clock.now() + delay;
      this.deps.onError?.(error, delay);
      return 0;
    }
    this.failures = 0;
    this.breaker.succeeded();
    this.deps.onPublished?.(batch.map((entry) => Math.max(0, now - entry.at)));
    for (const entry of batch) {
      this.pending.delete(keyOf(entry));
      this.stats_.published++;
      if (entry.recovered) this.stats_.republished++;
    }
    this.advanceWatermark();
    await this.saveWatermark(false);
    return batch.length;
  }

  private enqueue(entry: OutboxEntry, recovered: boolean): void {
    const key = keyOf(entry);
    if (!this.pending.has(key)) this.pending.set(key, { ...entry, recovered });
    if (entry.at > this.highestAt) this.highestAt = entry.at;
  }

  private oldestPendingAt(): number | undefined {
    let oldest: number | undefined;
    for (const entry of this.pending.values()) if (oldest === undefined || entry.at < oldest) oldest = entry.at;
    return oldest;
  }

  private advanceWatermark(): void {
    const oldest = this.oldestPendingAt();
    const next = oldest ?? this.highestAt + 1;
    if (next > this.watermark) this.watermark = next;
  }

  private async saveWatermark(force: boolean): Promise<void> {
    const now = this.deps.clock.now();
    if (this.watermark === this.savedWatermark) return;
    if (!force && now - this.lastWatermarkAt < this.options.watermarkIntervalMs) return;
    await this.deps.watermarks.save(this.watermark);
    this.savedWatermark = this.watermark;
    this.lastWatermarkAt = now;
    this.stats_.watermarksWritten++;
  }

  private wake(): void {
    if (this.stopped || this.running) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pumping = this.loop();
    }, 0);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const published = await this.pumpOnce().catch((error: unknown) => {
          this.deps.onError?.(error, this.options.backoffBaseMs);
          return 0;
        });
        if (published > 0) continue;
        if (this.pending.size === 0) break;
        const now = this.deps.clock.now();
        const waitUntil = Math.max(this.nextAttemptAt, this.breaker.retryAt() ?? 0, now + 10);
        await new Promise<void>((resolve) => {
          this.timer = setTimeout(resolve, waitUntil - now);
        });
      }
    } finally {
      this.running = false;
    }
    // A watermark write may still be due after the last publish.
    if (!this.stopped && this.watermark !== this.savedWatermark) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pumping = this.saveWatermark(false).catch(() => undefined).then(() => this.pending.size > 0 && this.wake());
      }, this.options.watermarkIntervalMs);
    }
  }
}

function keyOf(entry: Pick<OutboxEntry, "jobId" | "epoch">): string {
  return `${entry.jobId}:${entry.epoch}`;
}
