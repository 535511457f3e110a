import { type Clock, type TimerHandle, type Timers, sleepOn } from "../../contracts/index.js";

class ManualTimer implements TimerHandle {
  constructor(readonly id: number) {}
  unref(): void {}
}

interface Pending {
  at: number;
  seq: number;
  everyMs: number | undefined;
  callback: () => void;
}

/**
 * A clock and timers that move only when a test says so (in the spirit of the fake clocks of
 * Temporal's test environment). `advance` fires every timer that falls due, in time order, and lets
 * the promise continuations each one starts run before the next, so code awaiting `sleep` behaves
 * as it would in real time, only instantly.
 */
export class ManualTime implements Clock, Timers {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.add(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    return this.add(callback, ms, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle instanceof ManualTimer) this.pending.delete(handle.id);
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers still set: a test that ends with some left has leaked them. */
  pendingTimers(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(until);
      if (next === undefined) break;
      const [id, timer] = next;
      this.current = Math.max(this.current, timer.at);
      if (timer.everyMs === undefined) this.pending.delete(id);
      else timer.at += timer.everyMs;
      timer.callback();
      await settle();
    }
    this.current = until;
    await settle();
  }

  private add(callback: () => void, ms: number, everyMs: number | undefined): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.current + nodeDelay(ms), seq: id, everyMs: everyMs === undefined ? undefined : nodeDelay(everyMs), callback });
    return new ManualTimer(id);
  }

  private nextDue(until: number): [number, Pending] | undefined {
    let best: [number, Pending] | undefined;
    for (const entry of this.pending) {
      const timer = entry[1];
      if (timer.at > until) continue;
      if (best === undefined || timer.at < best[1].at || (timer.at === best[1].at && timer.seq < best[1].seq)) best = entry;
    }
    return best;
  }
}

/** Node's rule: a delay is truncated to whole milliseconds, and anything below 1 ms (or beyond
 * 2^31 - 1) becomes 1 ms. */
function nodeDelay(ms: number): number {
  return ms >= 1 && ms <= 2_147_483_647 ? Math.trunc(ms) : 1;
}

/** Lets every pending promise continuation run: setImmediate fires only once the microtask queue is empty. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
