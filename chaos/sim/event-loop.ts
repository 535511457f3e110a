import { BinaryHeap } from "../../coordinator/scheduler/binary-heap.js";
import type { VirtualClock } from "./virtual-clock.js";

interface Scheduled {
  at: number;
  seq: number;
  run: () => Promise<void> | void;
}

/** A single-threaded discrete-event loop on a virtual clock: events run one at a time, in time
 * order (ties in scheduling order), each awaited to completion before the next. */
export class EventLoop {
  private readonly heap = new BinaryHeap<Scheduled>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private seq = 0;
  steps = 0;

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
      await next.run();
    }
  }
}
