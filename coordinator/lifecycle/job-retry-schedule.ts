import type { RetryPolicy } from "../../contracts/index.js";

/**
 * A job's retry schedule: how long its n-th retry (1-based) waits, base * 2^(n-1), capped.
 * Deterministic on purpose (no jitter here): the jitter that spreads a thundering herd comes from
 * the scheduler's capacity windows, and a pure function keeps the simulator reproducible. (Not the
 * backoff of a retried call: that is contracts/call-retry-backoff.ts.)
 */
export function retryDelayMs(policy: RetryPolicy, retryNumber: number): number {
  const exponent = Math.max(0, retryNumber - 1);
  const seconds = Math.min(policy.backoffMaxSeconds, policy.backoffSeconds * 2 ** Math.min(exponent, 30));
  return seconds * 1000;
}

/** Whether a job that has consumed `retriesUsed` retries may not be retried again. */
export function retriesExhausted(policy: RetryPolicy, retriesUsed: number): boolean {
  return retriesUsed > policy.max;
}
