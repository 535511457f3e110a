/**
 * The timer port: how code that waits gets its timers. Production passes `systemTimers` (Node's
 * timers); the simulator passes timers on its virtual clock, and unit tests a manual clock. Code
 * that takes a `Timers` never touches the global setTimeout/setInterval, so a simulated process can
 * be paused (its timers held back) or killed (its timers dropped) from outside.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** Resolves after `ms`, or at once when `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A timer set through `Timers`; only the `Timers` that made it can clear it. */
export interface TimerHandle {
  /** Lets the process exit while this timer is pending (Node's `unref`); a no-op elsewhere. */
  unref(): void;
}

/** Resolves after `ms` on `timers`, or at once when `signal` aborts; shared by every `Timers`. */
export function sleepOn(timers: Pick<Timers, "setTimeout" | "clearTimeout">, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      timers.clearTimeout(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const handle = timers.setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

const nodeTimers = new WeakMap<TimerHandle, NodeJS.Timeout>();

function wrap(timer: NodeJS.Timeout): TimerHandle {
  const handle: TimerHandle = { unref: () => void timer.unref() };
  nodeTimers.set(handle, timer);
  return handle;
}

/** Node's own timers. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => wrap(setTimeout(callback, ms)),
  clearTimeout: (handle) => clearTimeout(nodeTimers.get(handle)),
  setInterval: (callback, ms) => wrap(setInterval(callback, ms)),
  clearInterval: (handle) => clearInterval(nodeTimers.get(handle)),
  sleep: (ms, signal) => sleepOn(systemTimers, ms, signal),
};
