import { type AssignmentMessage, assignmentMessageId, type JobDoc } from "../contracts/index.js";
import type { OutgoingMessage } from "../broker/port.js";

/** One committed assignment waiting to be published. */
export interface OutboxEntry {
  jobId: string;
  productId: string;
  epoch: number;
  pool: string;
  priority: AssignmentMessage["priority"];
  capabilities: string[];
  acceptBy: number;
  attempt: number;
  /** When the assignment was committed (coordinator clock): the relay's watermark orders by it. */
  at: number;
}

export function outboxEntryOf(job: JobDoc): OutboxEntry | undefined {
  if (job.stage !== "assigned" || job.outbox === undefined || job.lease === undefined) return undefined;
  return {
    jobId: job.id,
    productId: job.productId,
    epoch: job.outbox.epoch,
    pool: job.outbox.pool,
    priority: job.priority,
    capabilities: job.capabilities,
    acceptBy: job.lease.acceptBy,
    attempt: job.attempts + 1,
    at: job.outbox.at,
  };
}

/** The broker message for an entry: message id `jobId:epoch` (duplicate detection drops a
 * re-publish), routing and filtering properties, and a time-to-live ending at the accept deadline. */
export function assignmentMessageOf(entry: OutboxEntry, now: number): OutgoingMessage {
  const body: AssignmentMessage = {
    kind: "assignment",
    version: 1,
    jobId: entry.jobId,
    productId: entry.productId,
    epoch: entry.epoch,
    pool: entry.pool,
    priority: entry.priority,
    capabilities: entry.capabilities,
    acceptBy: entry.acceptBy,
    attempt: entry.attempt,
  };
  return {
    messageId: assignmentMessageId(entry.jobId, entry.epoch),
    body,
    applicationProperties: { pool: entry.pool, priority: entry.priority, productId: entry.productId, jobId: entry.jobId, epoch: entry.epoch },
    timeToLiveMs: Math.max(1000, entry.acceptBy - now),
  };
}
