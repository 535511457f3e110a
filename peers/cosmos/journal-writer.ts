import type { JournalOp } from "./journal-op.js";
import { encodeRecord } from "./record-codec.js";

export interface JournalStats {
  /** Sequence number of the last op applied (journalled or waiting to be). */
  lastSeq: number;
  /** Sequence number of the last op on disk. */
  durableSeq: number;
  /** Records written, each one fsync (group commit: one record holds every op that waited). */
  records: number;
  fsyncs: number;
  ops: number;
  bytes: number;
}

/** Where records go: a journal file (peers/cosmos/journal-file.ts). */
export interface RecordTarget {
  readonly path: string;
  /** Resolves once the record is on disk. */
  append(record: Buffer): Promise<void>;
}

export interface JournalWriterHooks {
  /** Runs after each record is on disk and before the next is written (compaction hooks in here). */
  afterWrite?: () => Promise<void>;
  /** Called once, when the journal fails. */
  onFailure?: (error: Error) => void;
}

interface Group {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Group commit. `append` takes an op the moment it is applied in memory (synchronously, so the
 * journal's order is the order of the state changes); `settled()` resolves once every op appended
 * so far is on disk. One write runs at a time: ops appended while it runs wait, then all go out as
 * one record with one fdatasync, so N concurrent writes cost a few fsyncs, not N. A record holds
 * `{ seq, ops }`: the sequence number of its first op, then the ops in order.
 *
 * A failed write or fsync is final: the state in memory is then ahead of the disk, so every
 * pending and later `settled()` rejects with that error and the peer refuses service until it is
 * restarted (which replays what is on disk).
 */
export class JournalWriter<F extends RecordTarget = RecordTarget> {
  private pending: string[] = [];
  private waiting: Group | undefined;
  private inFlight: Group | undefined;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly counters = { records: 0, fsyncs: 0, ops: 0, bytes: 0 };
  private last: number;
  private durable: number;

  constructor(
    private file: F,
    lastSeq: number,
    private readonly hooks: JournalWriterHooks = {},
  ) {
    this.last = lastSeq;
    this.durable = lastSeq;
  }

  get lastSeq(): number {
    return this.last;
  }

  get currentFile(): F {
    return this.file;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  append(op: JournalOp): void {
    this.pending.push(JSON.stringify(op));
    this.last++;
    // Started on the next microtask, so every op applied in the same synchronous step (all the
    // operations of one batch request) goes into the same record.
    this.running ??= Promise.resolve().then(() => this.run());
  }

  /** Resolves once everything appended so far is on disk; rejects if the journal failed. */
  settled(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.length > 0) {
      this.waiting ??= group();
      return this.waiting.promise;
    }
    if (this.inFlight !== undefined) return this.inFlight.promise;
    return Promise.resolve();
  }

  /** Moves appends to `next` (between two writes, from `afterWrite`); returns the previous file. */
  switchTo(next: F): F {
    const previous = this.file;
    this.file = next;
    return previous;
  }

  /** Marks the journal failed, from outside (a compaction that could not complete). */
  fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.waiting?.reject(error);
    this.inFlight?.reject(error);
    this.waiting = undefined;
    this.inFlight = undefined;
    this.hooks.onFailure?.(error);
  }

  /** Waits for everything appended to be written (or for the failure). */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
    if (this.failure !== undefined) throw this.failure;
  }

  stats(): JournalStats {
    return { lastSeq: this.last, durableSeq: this.durable, ...this.counters };
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0 && this.failure === undefined) {
        const ops = this.pending;
        const first = this.durable + 1;
        this.pending = [];
        const flushing = this.waiting ?? group();
        this.waiting = undefined;
        this.inFlight = flushing;
        try {
          const record = encodeRecord(`{"seq":${first},"ops":[${ops.join(",")}]}`);
          await this.file.append(record);
          this.durable = first + ops.length - 1;
          this.counters.records++;
          this.counters.fsyncs++;
          this.counters.ops += ops.length;
          this.counters.bytes += record.length;
          this.inFlight = undefined;
          flushing.resolve();
        } catch (error) {
          this.fail(new Error(`writing the Cosmos peer's journal ${this.file.path} failed: ${messageOf(error)}`, { cause: error }));
          flushing.reject(this.failure!);
          return;
        }
        try {
          await this.hooks.afterWrite?.();
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(messageOf(error)));
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function group(): Group {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting on a group when it fails; the failure is reported through settled().
  promise.catch(() => {});
  return { promise, resolve, reject };
}
