import type { Clock } from "../../contracts/index.js";

interface Scheduled {
  at: number;
  seq: number;
  run: () => Promise<void> | void;
}

/**
 * Virtual time for the leadership model: a clock and a queue of actions, run one at a time in time
 * order (ties in the order they were scheduled). Every store and broker call of the model is in
 * memory, so an action runs to completion without real time passing; nothing waits on a real timer.
 */
export class VirtualTime implements Clock {
  private time: number;
  private seq = 0;
  private readonly queue: Scheduled[] = [];

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  at(at: number, run: () => Promise<void> | void): void {
    const item = { at: Math.max(at, this.time), seq: ++this.seq, run };
    // Sorted insert from the back: most actions are scheduled soon after now.
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.at > item.at || (this.queue[i - 1]!.at === item.at && this.queue[i - 1]!.seq > item.seq))) i--;
    this.queue.splice(i, 0, item);
  }

  after(ms: number, run: () => Promise<void> | void): void {
    this.at(this.time + ms, run);
  }

  /** Runs actions in order until `until` (virtual), or until `done()` says so; returns whether it did. */
  async runUntil(until: number, done: () => boolean = () => false): Promise<boolean> {
    while (this.queue.length > 0 && this.queue[0]!.at <= until) {
      if (done()) return true;
      const next = this.queue.shift()!;
      this.time = next.at;
      await next.run();
    }
    if (this.time < until && !done()) this.time = until;
    return done();
  }
}
