import type { Logger } from "pino";
import type { Coordinator } from "./coordinator.js";

/** What the loop drives: the coordinator itself, or the coordinator behind a leadership gate. */
export type LoopTarget = Pick<Coordinator, "tick" | "nextDeadline" | "clock">;

export interface CoordinatorLoopOptions {
  /** Longest sleep between passes even with nothing due (picks up clock-driven work). */
  maxIdleMs: number;
  logger: Logger;
}

/**
 * Drives Coordinator.tick(): at once after a kick (a submit, a release), at the next deadline
 * (backoff end, accept deadline, lease expiry), and at least every maxIdleMs. A failing pass is
 * logged and retried with backoff; it never stops the loop.
 */
export class CoordinatorLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  private failures = 0;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly coordinator: LoopTarget,
    private readonly options: CoordinatorLoopOptions,
  ) {}

  /** True while the last pass failed (the store refused or is unreachable); false once one succeeds. */
  get failing(): boolean {
    return this.failures > 0;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.idle = this.pass();
    }, delayMs);
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    let delay = this.options.maxIdleMs;
    try {
      await this.coordinator.tick();
      this.failures = 0;
      const next = this.coordinator.nextDeadline();
      if (next !== undefined) delay = Math.max(0, Math.min(delay, next - this.coordinator.clock.now() + 1));
    } catch (error) {
      this.failures++;
      delay = Math.min(30_000, 100 * 2 ** Math.min(this.failures, 8));
      this.options.logger.warn({ err: error, retryInMs: delay }, "coordinator pass failed; retrying");
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      delay = this.failures > 0 ? delay : 0;
    }
    this.schedule(delay);
  }
}
