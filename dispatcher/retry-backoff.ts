/** Exponential backoff with "equal jitter": half fixed, half random, so a fleet of relays that lost
 * the broker together does not return together. `random` is injected for the simulator. */
export function jitteredBackoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
