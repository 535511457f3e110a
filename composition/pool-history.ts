import type { PoolScaleSample } from "../contracts/event-stream.js";
import type { Clock } from "../contracts/index.js";
import type { PoolHistoryReader } from "../coordinator/api/context.js";

export interface PoolHistoryOptions {
  pools: readonly string[];
  clock: Clock;
  /** How often every pool is sampled. */
  intervalMs: number;
  /** How far back samples are kept. */
  windowMs: number;
  /** Reads every pool's scale now (replicas, subscription depth, leases). */
  read: () => Promise<Omit<PoolScaleSample, "at">[]>;
  /** Called with a pool's sample when it differs from the previous one (pushed on the fleet stream). */
  onChange: (sample: PoolScaleSample) => void;
  onError?: (error: unknown) => void;
}

/**
 * The console's per-pool time series: every `intervalMs`, each pool's desired and actual replicas,
 * subscription depth, in-flight leases and awaiting-accept, kept for `windowMs` in memory (never
 * the store: a restart starts a new hour). A change is pushed as it is seen.
 */
export class PoolHistory implements PoolHistoryReader {
  private readonly byPool = new Map<string, PoolScaleSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(private readonly options: PoolHistoryOptions) {
    for (const pool of options.pools) this.byPool.set(pool, []);
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  get windowMs(): number {
    return this.options.windowMs;
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  samples(pool?: string): { pool: string; samples: PoolScaleSample[] }[] | undefined {
    if (pool !== undefined) {
      const samples = this.byPool.get(pool);
      return samples === undefined ? undefined : [{ pool, samples: [...samples] }];
    }
    return [...this.byPool].map(([name, samples]) => ({ pool: name, samples: [...samples] }));
  }

  /** One round over every pool; skipped while the previous round is still reading. */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const now = this.options.clock.now();
      const at = new Date(now).toISOString();
      const keep = Math.max(1, Math.ceil(this.options.windowMs / this.options.intervalMs));
      for (const reading of await this.options.read()) {
        const samples = this.byPool.get(reading.pool);
        if (samples === undefined) continue;
        const sample: PoolScaleSample = { ...reading, at };
        const previous = samples[samples.length - 1];
        samples.push(sample);
        if (samples.length > keep) samples.splice(0, samples.length - keep);
        if (previous === undefined || changed(previous, sample)) this.options.onChange(sample);
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.sampling = false;
    }
  }
}

function changed(a: PoolScaleSample, b: PoolScaleSample): boolean {
  return (
    a.desiredReplicas !== b.desiredReplicas ||
    a.actualReplicas !== b.actualReplicas ||
    a.subscriptionActiveMessages !== b.subscriptionActiveMessages ||
    a.inFlightLeases !== b.inFlightLeases ||
    a.awaitingAccept !== b.awaitingAccept
  );
}
