import type { JobDoc, JobEvent } from "../../contracts/index.js";
import type { History } from "./history.js";

/**
 * Turns each applied job write into a commit in the history: the stage before and after, the
 * epoch, the lease, the checkpoint, the spend and the events the write appended (those at or past
 * the previous write's `nextEventSeq`).
 */
export class JobCommits {
  private readonly last = new Map<string, JobDoc>();

  constructor(private readonly history: History) {}

  /** Records the write; returns the events it appended. */
  record(doc: JobDoc): JobEvent[] {
    const before = this.last.get(doc.id);
    this.last.set(doc.id, doc);
    const appended = doc.events.filter((event) => event.seq >= (before?.nextEventSeq ?? 0));
    this.history.instant({
      kind: "commit",
      actor: "store",
      jobId: doc.id,
      key: doc.idempotencyKey,
      epoch: doc.leaseEpoch,
      stage: doc.stage,
      ...(before === undefined ? {} : { from: before.stage }),
      events: appended.map((event) => event.type),
      ...(appended.length === 0 ? {} : { eventActor: appended[appended.length - 1]!.actor }),
      ...(doc.lease?.factoryId === undefined ? {} : { factoryId: doc.lease.factoryId }),
      ...(doc.lease?.expiresAt === undefined ? {} : { expiresAt: doc.lease.expiresAt }),
      ...(doc.stageReason === undefined ? {} : { reason: doc.stageReason }),
      attempts: doc.attempts,
      retries: doc.retries,
      productId: doc.productId,
      ...(doc.lease === undefined ? {} : { pool: doc.lease.pool }),
      ...(doc.checkpoint === undefined ? {} : { checkpoint: doc.checkpoint.ref }),
      ...(doc.spend === undefined ? {} : { spendMicro: doc.spend.microUsd }),
      ...(doc.notBefore === undefined ? {} : { notBefore: doc.notBefore }),
    });
    return appended;
  }
}
