import type { Logger } from "pino";
import type { TimerHandle, Timers } from "../contracts/index.js";
import type { ArtifactStorePort } from "../artifacts/port.js";
import type { AttemptLog } from "./engines/port.js";

export interface AttemptLogOptions {
  store: ArtifactStorePort;
  /** The attempt's log key (contracts/artifact.ts attemptLogKey). */
  key: string;
  timers: Timers;
  /** How often what was written is appended to the log blob. */
  flushMs: number;
  logger: Logger;
  /** The log stops growing here, with a line saying so. */
  maxBytes?: number;
  /** Held in memory while the store does not answer; past this, the oldest output is dropped (and said so). */
  maxPendingBytes?: number;
}

/**
 * An attempt's log on its way to the artifact store while the attempt runs: writes are buffered and
 * appended every `flushMs` (one append blob block per flush), so an operator reads the log live
 * and a killed container loses at most one interval. Writing never blocks and never fails the
 * attempt: when the store does not answer, output waits (bounded) for the next flush.
 */
export class AttemptLogUploader implements AttemptLog {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private appended = 0;
  private dropped = 0;
  private truncated = false;
  private closed = false;
  private flushing: Promise<void> | undefined;
  private failing = false;
  private timer: TimerHandle | undefined;
  private readonly maxBytes: number;
  private readonly maxPendingBytes: number;

  constructor(private readonly options: AttemptLogOptions) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxPendingBytes = options.maxPendingBytes ?? 8 * 1024 * 1024;
  }

  start(): void {
    this.timer = this.options.timers.setInterval(() => void this.flush(), this.options.flushMs);
  }

  /** Bytes appended to the store so far. */
  get bytes(): number {
    return this.appended;
  }

  write(chunk: string | Buffer): void {
    if (this.closed || this.truncated) return;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (this.appended + this.pendingBytes + bytes.length > this.maxBytes) {
      this.truncated = true;
      this.enqueue(Buffer.from(`\n[fleet] log truncated at ${this.maxBytes} bytes\n`));
      return;
    }
    this.enqueue(bytes);
  }

  /** Appends what is pending (one call in flight at a time). */
  flush(): Promise<void> {
    if (this.flushing !== undefined) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    const size = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const dropped = this.dropped;
    const body = dropped === 0 ? Buffer.concat(batch) : Buffer.concat([Buffer.from(`[fleet] ${dropped} bytes of output were dropped while the artifact store did not answer\n`), ...batch]);
    this.dropped = 0;
    this.flushing = this.options.store
      .append(this.options.key, body)
      .then(
        () => {
          this.appended += body.length;
          if (this.failing) this.options.logger.info({ key: this.options.key }, "attempt log reaches the artifact store again");
          this.failing = false;
        },
        (error: unknown) => {
          // Back to the front of the queue, for the next flush, still counting what was dropped.
          this.pending = [...batch, ...this.pending];
          this.pendingBytes += size;
          this.dropped += dropped;
          this.trim();
          if (!this.failing) this.options.logger.warn({ key: this.options.key, err: error }, "cannot append to the attempt log; keeping the output for the next flush");
          this.failing = true;
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stops the timer and appends what is left (a second try if the first fails). */
  async close(): Promise<void> {
    if (this.timer !== undefined) this.options.timers.clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    await this.flush();
    if (this.pending.length > 0) await this.flush();
  }

  private enqueue(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.trim();
  }

  private trim(): void {
    while (this.pendingBytes > this.maxPendingBytes && this.pending.length > 1) {
      const oldest = this.pending.shift()!;
      this.pendingBytes -= oldest.length;
      this.dropped += oldest.length;
    }
  }
}
