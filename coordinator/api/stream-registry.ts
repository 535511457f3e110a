import type { ServerResponse } from "node:http";
import { FleetError } from "../../contracts/index.js";
import { SseStream, type SseStreamOptions } from "./sse-stream.js";

export interface StreamLimits extends SseStreamOptions {
  /** Open streams one credential may hold (a console tab holds two). */
  perCaller: number;
  /** Open streams this process serves in all. */
  total: number;
  /** What a refused caller is told to wait. */
  retryAfterSeconds: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  perCaller: 16,
  total: 2000,
  retryAfterSeconds: 5,
  maxBufferedBytes: 1024 * 1024,
  heartbeatMs: 15_000,
  retryMs: 2000,
  closeGraceMs: 10_000,
};

export interface StreamReservation {
  /** Starts streaming on the hijacked response; the slot is released when the stream closes. */
  start(raw: ServerResponse): SseStream;
  /** Gives the slot back when the request failed before it could stream. */
  cancel(): void;
}

/**
 * Every open event stream of this process: admits a new one only within the per-caller and total
 * limits (429 RATE_LIMITED with Retry-After beyond them), releases its slot when it closes, and ends
 * them all when the server shuts down (an open stream would otherwise hold the listener open).
 */
export class StreamRegistry {
  private readonly open = new Set<SseStream>();
  private readonly byCaller = new Map<string, number>();
  private reserved = 0;
  private readonly counts = { opened: 0, cutOff: 0 };

  constructor(readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  /**
   * Takes a slot for `caller` within the limits, or throws RATE_LIMITED before anything is sent.
   * The slot is held until the stream it starts closes, or until `cancel()` when the request fails
   * before streaming (so a burst of connections cannot slip past the limit while they load).
   */
  reserve(caller: string): StreamReservation {
    const mine = this.byCaller.get(caller) ?? 0;
    const retryAfterMs = this.limits.retryAfterSeconds * 1000;
    if (mine >= this.limits.perCaller) {
      throw new FleetError(
        "RATE_LIMITED",
        `this credential already has ${mine} open event streams (the limit is ${this.limits.perCaller}); close one (another console tab?) before opening more`,
        { retryAfterMs, openStreams: mine, limit: this.limits.perCaller },
      );
    }
    if (this.reserved >= this.limits.total) {
      throw new FleetError("RATE_LIMITED", `this coordinator serves ${this.reserved} event streams, its limit; poll GET /fleet/jobs/:id/events?after=<seq> meanwhile`, {
        retryAfterMs,
        limit: this.limits.total,
      });
    }
    this.reserved++;
    this.byCaller.set(caller, mine + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.reserved--;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left <= 0) this.byCaller.delete(caller);
      else this.byCaller.set(caller, left);
    };
    return {
      cancel: release,
      start: (raw) => {
        const stream = new SseStream(raw, this.limits);
        this.open.add(stream);
        this.counts.opened++;
        stream.onClose(() => {
          this.open.delete(stream);
          if (stream.cutOff) this.counts.cutOff++;
          release();
        });
        stream.open();
        return stream;
      },
    };
  }

  stats(): { open: number; opened: number; cutOff: number } {
    return { open: this.open.size, ...this.counts };
  }

  /** Ends every open stream (shutdown); clients reconnect to whichever coordinator answers. */
  closeAll(): void {
    for (const stream of [...this.open]) stream.fail({ code: "SHUTTING_DOWN", message: "the coordinator is shutting down; reconnect with Last-Event-ID to resume" });
  }
}
