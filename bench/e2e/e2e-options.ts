/** What one end-to-end run measures. */
export interface E2eOptions {
  /** Offered rates, jobs per second, one phase each. */
  rates: number[];
  /** Jobs per phase; undefined: rate times `seconds`. */
  jobs: number | undefined;
  /** Seconds of offered load per phase (when `jobs` is not given). */
  seconds: number;
  agents: number;
  seats: number;
  /** Use POST /fleet/jobs/batch when the coordinator serves it. */
  bulk: boolean;
  /** Seconds of each idle window (with idle agents, then with none); 0 skips them. */
  idleSeconds: number;
  journalled: boolean;
  /** Longest wait for a phase's last job to ship after its last submission. */
  drainTimeoutSeconds: number;
  /** Each process of the stack writes a CPU profile here when it stops (node --cpu-prof). */
  profileDir?: string;
}

export const E2E_FULL: E2eOptions = {
  rates: [100, 500, 2000],
  jobs: undefined,
  seconds: 5,
  agents: 4,
  seats: 16,
  bulk: false,
  idleSeconds: 60,
  journalled: true,
  drainTimeoutSeconds: 180,
};

/** The size the default `npm run bench` runs: a few seconds a rate, short idle windows. */
export const E2E_MODEST: E2eOptions = { ...E2E_FULL, rates: [100, 500], seconds: 3, idleSeconds: 15, drainTimeoutSeconds: 60 };

export function jobsFor(options: E2eOptions, rate: number): number {
  return options.jobs ?? Math.max(1, Math.round(rate * options.seconds));
}
