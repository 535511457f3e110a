/** The invariants the history checker verifies (RELIABILITY.md), one name each. A violation names
 * the invariant it breaks, so a test (and a reader of a failing seed) knows which family failed. */
export const INVARIANTS = [
  "lost",
  "unexpected",
  "duplicate-completion",
  "concurrent-execution",
  "illegal-transition",
  "epoch-regression",
  "epoch-not-bumped",
  "stale-write",
  "publish-without-commit",
  "outbox-lag",
  "outbox-not-drained",
  "healthy-dead-lettered",
  "poison-not-dead-lettered",
  "dlq-duplicate",
  "replay-not-once",
  "stalled-worker-not-fenced",
  "stalled-worker-kept-working",
  "assigned-while-paused",
  "assigned-before-not-before",
  "spend-mismatch",
  "schedule-submitted-twice",
  "schedule-occurrence-skipped",
  "checkpoint-lost",
  "liveness",
  "fault-did-not-fire",
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: Invariant;
  jobId?: string;
  message: string;
}

export function violation(invariant: Invariant, message: string, jobId?: string): Violation {
  return jobId === undefined ? { invariant, message } : { invariant, jobId, message };
}
