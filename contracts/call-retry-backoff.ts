/** How long to wait before retrying a failed call. */
export interface CallRetryBackoff {
  /** 1 for the first retry. */
  attempt: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The one backoff for retrying a failed call (a publish, a receive, a request to the coordinator):
 * exponential from `baseMs`, capped at `maxMs`, with "equal jitter" (half fixed, half random) so a
 * fleet of clients that lost a dependency together does not come back together. `random` is passed
 * in so the simulator draws it from its seed. Pure.
 *
 * Not to be confused with a job's retry schedule (coordinator/lifecycle/job-retry-schedule.ts),
 * which is deterministic and counts a job's failed attempts, not a client's failed calls.
 */
export function callRetryBackoffMs(backoff: CallRetryBackoff, random: () => number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(0, backoff.attempt), 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
