import { BinaryHeap } from "./binary-heap.js";

interface Entry {
  at: number;
  id: string;
  token: number;
}

/**
 * Ids keyed by a deadline, with lazy deletion: `set` replaces an id's deadline, `delete` forgets
 * it, and stale heap entries are skipped when they surface. Used for lease deadlines (the reaper)
 * and for backoff (jobs not schedulable before `notBefore`).
 */
export class DeadlineQueue {
  private readonly heap = new BinaryHeap<Entry>((a, b) => a.at < b.at || (a.at === b.at && a.id < b.id));
  private readonly live = new Map<string, number>();
  private nextToken = 0;

  get size(): number {
    return this.live.size;
  }

  set(id: string, at: number): void {
    const token = this.nextToken++;
    this.live.set(id, token);
    this.heap.push({ at, id, token });
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  delete(id: string): void {
    this.live.delete(id);
  }

  /** Removes and returns every id whose deadline is at or before `now`. */
  takeDue(now: number, limit = Number.POSITIVE_INFINITY): string[] {
    const due: string[] = [];
    while (due.length < limit) {
      const top = this.heap.peek();
      if (top === undefined || top.at > now) break;
      this.heap.pop();
      if (this.live.get(top.id) !== top.token) continue;
      this.live.delete(top.id);
      due.push(top.id);
    }
    return due;
  }

  /** The earliest live deadline, for sleeping exactly until it. */
  nextAt(): number | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      if (this.live.get(top.id) === top.token) return top.at;
      this.heap.pop();
    }
  }
}
