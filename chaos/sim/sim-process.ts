import { type Clock, type TimerHandle, type Timers, sleepOn } from "../../contracts/index.js";
import type { EventLoop } from "./event-loop.js";

class ProcessTimer implements TimerHandle {
  cleared = false;
  constructor(
    readonly callback: () => void,
    /** Set for an interval: its period on the process's clock. */
    readonly everyMs: number | undefined,
  ) {}
  unref(): void {}
}

export interface ProcessClockSkew {
  /** How far the process's clock is from the coordinator's at birth. */
  offsetMs: number;
  /** How fast it runs: 0.5 is half speed (a timer of 1 s takes 2 s of real time). */
  rate: number;
}

export type ProcessState = "running" | "paused" | "dead" | "exited";

/**
 * One simulated operating-system process (a factory container) on the simulator's event loop: its
 * own clock, skewed in offset and rate from the coordinator's, and its own timers, which the
 * simulator can hold back (SIGSTOP: nothing the process scheduled runs until SIGCONT, then every
 * overdue timer fires once, as Node does after a stop) or drop (kill -9: nothing of it ever runs
 * again). Code in the process reaches the world only through its timers and `gate()`.
 */
export class SimProcess implements Timers {
  private state_: ProcessState = "running";
  private readonly held: ProcessTimer[] = [];
  private readonly resumers: (() => void)[] = [];
  private readonly bornAt: number;
  readonly clock: Clock;

  constructor(
    readonly id: string,
    private readonly loop: EventLoop,
    world: Clock,
    private readonly skew: ProcessClockSkew = { offsetMs: 0, rate: 1 },
  ) {
    this.bornAt = world.now();
    this.clock = { now: () => Math.round(this.bornAt + skew.offsetMs + (world.now() - this.bornAt) * skew.rate) };
  }

  get state(): ProcessState {
    return this.state_;
  }

  get alive(): boolean {
    return this.state_ === "running" || this.state_ === "paused";
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = new ProcessTimer(callback, undefined);
    this.schedule(timer, ms);
    return timer;
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    const timer = new ProcessTimer(callback, ms);
    this.schedule(timer, ms);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle instanceof ProcessTimer) handle.cleared = true;
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Resolves while the process runs; held while it is stopped; never if it died. Every call the
   * process makes into the world passes here first. */
  gate(): Promise<void> {
    if (this.state_ === "running") return Promise.resolve();
    return new Promise((resolve) => {
      if (this.state_ === "paused") this.resumers.push(resolve);
    });
  }

  /** SIGSTOP. */
  pause(): void {
    if (this.state_ === "running") this.state_ = "paused";
  }

  /** SIGCONT: what fell due meanwhile runs now, in the order it was due. */
  resume(): void {
    if (this.state_ !== "paused") return;
    this.state_ = "running";
    for (const timer of this.held.splice(0)) this.loop.after(0, () => this.fire(timer));
    for (const resolve of this.resumers.splice(0)) resolve();
  }

  /** kill -9: no timer, call or continuation of the process runs again. */
  kill(): void {
    this.state_ = "dead";
    this.held.length = 0;
    this.resumers.length = 0;
  }

  /** The process's main function returned. */
  exit(): void {
    if (this.alive) this.state_ = "exited";
    this.held.length = 0;
  }

  private schedule(timer: ProcessTimer, ms: number): void {
    // Node truncates delays to whole milliseconds and runs anything below 1 ms after 1 ms.
    const delay = ms >= 1 ? Math.trunc(ms) : 1;
    this.loop.after(Math.max(1, Math.round(delay / this.skew.rate)), () => this.fire(timer));
  }

  private fire(timer: ProcessTimer): void {
    if (timer.cleared || !this.alive) return;
    if (this.state_ === "paused") {
      this.held.push(timer);
      return;
    }
    if (timer.everyMs !== undefined) this.schedule(timer, timer.everyMs);
    timer.callback();
  }
}
