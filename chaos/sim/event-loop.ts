import { BinaryHeap } from "../../coordinator/scheduler/binary-heap.js";
import type { VirtualClock } from "./virtual-clock.js";

interface Scheduled {
  at: number;
  seq: number;
  run: () => Promise<void> | void;
}

/** A single-threaded discrete-event loop on a virtual clock: events run one at a time, in time
 * order (ties in scheduling order), each run to quiescence before the next: every promise
 * continuation it started runs before the clock moves on (the simulated components never touch
 * real I/O or real timers, so nothing but the loop can wake them). */
export class EventLoop {
  private readonly heap = new BinaryHeap<Scheduled>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private seq = 0;
  steps = 0;
  /** Errors thrown by events: a bug in the simulation itself, reported by the run. */
  readonly errors: unknown[] = [];

  constructor(private readonly clock: VirtualClock) {}

  at(time: number, run: () => Promise<void> | void): void {
    this.heap.push({ at: Math.max(time, this.clock.now()), seq: this.seq++, run });
  }

  after(delayMs: number, run: () => Promise<void> | void): void {
    this.at(this.clock.now() + delayMs, run);
  }

  /** Runs events until `until` (virtual ms) or until `stop()` says so; bounded by `maxSteps`. */
  async run(until: number, stop: () => boolean, maxSteps: number): Promise<void> {
    while (this.steps < maxSteps) {
      const next = this.heap.peek();
      if (next === undefined || next.at > until || stop()) return;
      this.heap.pop();
      this.clock.set(next.at);
      this.steps++;
      // Not awaited: an event may start work that waits for later events (a process sleeping on
      // its timers); the loop only waits until nothing more can run at this instant.
      Promise.resolve()
        .then(next.run)
        .catch((error: unknown) => this.errors.push(error));
      await quiescence();
    }
  }
}

/** Resolves once the microtask queue is empty: setImmediate runs only after it drained. */
function quiescence(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
