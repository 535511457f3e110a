/** Input limits enforced at every entry point (HTTP bodies, broker messages). */
export const LIMITS = {
  bodyMdChars: 64 * 1024,
  shortTextChars: 200,
  idChars: 128,
  capabilities: 32,
  deps: 64,
  children: 100,
  requestBodyBytes: 256 * 1024,
  /** Job specs in one POST /fleet/jobs/batch, and that request's body limit. */
  batchJobs: 1000,
  batchBodyBytes: 4 * 1024 * 1024,
  /** Events kept inline on a job document; older ones move to event pages. */
  inlineEvents: 64,
  /** Runs kept inline on a job document. */
  inlineRuns: 20,
} as const;
