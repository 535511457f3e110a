export type CircuitState = "closed" | "open" | "half-open";

/**
 * Stops hammering a broker that is down: after `failureThreshold` consecutive failures the circuit
 * opens for `openMs`; then one trial call is allowed (half-open); success closes it. Time comes from
 * the caller so the simulator can drive it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(private readonly options: { failureThreshold: number; openMs: number }) {}

  state(now: number): CircuitState {
    if (this.openedAt === undefined) return "closed";
    return now - this.openedAt >= this.options.openMs ? "half-open" : "open";
  }

  /** Whether a call may go out now. In half-open, only one trial at a time. */
  allow(now: number): boolean {
    const state = this.state(now);
    if (state === "closed") return true;
    if (state === "open" || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** When the next trial may go out, if the circuit is open. */
  retryAt(): number | undefined {
    return this.openedAt === undefined ? undefined : this.openedAt + this.options.openMs;
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failed(now: number): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.openedAt !== undefined || this.failures >= this.options.failureThreshold) this.openedAt = now;
  }
}
