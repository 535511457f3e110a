import type { SimProcess } from "./sim-process.js";

/**
 * Wakes agents that wait in `receive` when a message may have arrived, as a broker's long poll
 * returns on a publish. A woken process runs on its own timers, so a stopped process stays asleep.
 */
export class DeliveryBell {
  private readonly waiters = new Set<() => void>();

  /** Resolves after `ms` on the process's clock, or soon after the next ring. */
  wait(process: SimProcess, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const ring = () => {
        process.clearTimeout(timer);
        process.setTimeout(resolve, 1);
      };
      const timer = process.setTimeout(() => {
        this.waiters.delete(ring);
        resolve();
      }, ms);
      this.waiters.add(ring);
    });
  }

  ring(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
