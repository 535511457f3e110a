import { type DeadLetterFilter, FleetError, isoTime, type JobDoc } from "../../contracts/index.js";
import type { StoreFilter, StorePort } from "../../store/port.js";
import { decodeContinuation, encodeContinuation, fingerprintOf, invalidContinuation } from "./continuation-token.js";
import type { Coordinator } from "./coordinator.js";
import { pagedQuery } from "./paged-query.js";

/** A dead letter as operators see it: broker dead letters and jobs whose retries ran out alike. */
export interface DeadLetterSummary {
  jobId: string;
  productId: string;
  idempotencyKey: string;
  title?: string;
  priority: string;
  source: string;
  reason: string;
  description?: string;
  pool?: string;
  epoch: number;
  /** ISO 8601. */
  at: string;
  retries: number;
  discardedAt?: string;
}

export function summarise(job: JobDoc): DeadLetterSummary {
  const info = job.deadLetter;
  return {
    jobId: job.id,
    productId: job.productId,
    idempotencyKey: job.idempotencyKey,
    ...(job.title === undefined ? {} : { title: job.title }),
    priority: job.priority,
    source: info?.source ?? "retries",
    reason: info?.reason ?? job.stageReason ?? "unknown",
    ...(info?.description === undefined ? {} : { description: info.description }),
    ...(info?.pool === undefined ? {} : { pool: info.pool }),
    epoch: info?.epoch ?? job.leaseEpoch,
    at: isoTime(info?.at ?? job.updatedAt),
    retries: job.retries,
    ...(info?.discardedAt === undefined ? {} : { discardedAt: isoTime(info.discardedAt) }),
  };
}

/** The one operator view over dead letters, with replay and discard. Reads are store queries
 * (operator path only); writes go through the coordinator's fenced job changes. */
export class DeadLetterView {
  constructor(
    private readonly store: StorePort,
    private readonly coordinator: Coordinator,
  ) {}

  async list(scope: string | undefined, filter: DeadLetterFilter, limit: number, continuation?: string) {
    const where: StoreFilter[] = [{ field: "stage", op: "=", value: "dead_letter" }];
    const product = scope ?? filter.productId;
    if (product !== undefined) where.push({ field: "productId", op: "=", value: product });
    if (filter.pool !== undefined) where.push({ field: "deadLetter.pool", op: "=", value: filter.pool });
    if (filter.reason !== undefined) where.push({ field: "deadLetter.reason", op: "=", value: filter.reason });
    if (filter.source !== undefined) where.push({ field: "deadLetter.source", op: "=", value: filter.source });
    // Tokens handed out are opaque and bound to this filter (see continuation-token.ts).
    const fingerprint = fingerprintOf({ scope, ...filter });
    const storeToken = continuation === undefined ? undefined : decodeContinuation(continuation, fingerprint);
    if (storeToken !== undefined && typeof storeToken !== "string") throw invalidContinuation();
    const page = await pagedQuery(this.store, "jobs", {
      where,
      orderBy: { field: "updatedAt", direction: "desc" },
      limit,
      ...(storeToken === undefined ? {} : { continuation: storeToken }),
    });
    // Discarded entries are dropped after the read (the store cannot test for a missing field),
    // so a page may hold fewer items than the limit while a continuation follows.
    const items = page.items.map((item) => item.doc).filter((job) => filter.includeDiscarded || job.deadLetter?.discardedAt === undefined);
    return { items: items.map(summarise), ...(page.continuation === undefined ? {} : { continuation: encodeContinuation(fingerprint, page.continuation) }) };
  }

  async get(scope: string | undefined, jobId: string) {
    const job = await this.coordinator.getJob(scope, jobId);
    if (job.stage !== "dead_letter") throw new FleetError("NOT_FOUND", `job ${jobId} is not a dead letter (stage '${job.stage}')`);
    return { ...summarise(job), runs: job.runs, checkpoint: job.checkpoint ?? null };
  }

  /** New epoch, retries start over; the job then runs once. The broker's copy was already
   * removed from the DLQ when the monitor reconciled it. */
  async replay(scope: string | undefined, jobId: string) {
    await this.requireDeadLetter(scope, jobId, "replayed");
    return this.coordinator.action(scope, jobId, "requeue", "replayed from dead letters");
  }

  async discard(scope: string | undefined, jobId: string, reason?: string) {
    await this.requireDeadLetter(scope, jobId, "discarded");
    return this.coordinator.discardDeadLetter(scope, jobId, reason);
  }

  /** A job that exists but is not a dead letter is a conflict with its stage (409), not a 404. */
  private async requireDeadLetter(scope: string | undefined, jobId: string, verb: string): Promise<void> {
    const job = await this.coordinator.getJob(scope, jobId);
    if (job.stage !== "dead_letter") {
      throw new FleetError("ILLEGAL_TRANSITION", `job ${jobId} is '${job.stage}', not a dead letter: only dead letters can be ${verb}`, { stage: job.stage }, {
        hint: "list dead letters with GET /fleet/dlq; act on a live job with POST /fleet/jobs/:id/actions/:action",
      });
    }
  }

  async bulkReplay(scope: string | undefined, filter: Omit<DeadLetterFilter, "includeDiscarded">, dryRun: boolean, max: number) {
    const selected = await this.select(scope, filter, max);
    if (dryRun) return { dryRun: true as const, matched: selected.length, items: selected };
    const { done, failed } = await this.each(selected, (jobId) => this.coordinator.action(scope, jobId, "requeue", "replayed from dead letters (bulk)"));
    return { dryRun: false as const, matched: selected.length, replayed: done, failed };
  }

  async bulkDiscard(scope: string | undefined, filter: Omit<DeadLetterFilter, "includeDiscarded">, dryRun: boolean, max: number, reason?: string) {
    const selected = await this.select(scope, filter, max);
    if (dryRun) return { dryRun: true as const, matched: selected.length, items: selected };
    const { done, failed } = await this.each(selected, (jobId) => this.coordinator.discardDeadLetter(scope, jobId, reason ?? "discarded (bulk)"));
    return { dryRun: false as const, matched: selected.length, discarded: done, failed };
  }

  /** The dead letters a bulk action applies to: the filter, discarded ones excluded, at most `max`. */
  private async select(scope: string | undefined, filter: Omit<DeadLetterFilter, "includeDiscarded">, max: number): Promise<DeadLetterSummary[]> {
    const matched: DeadLetterSummary[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.list(scope, { ...filter, includeDiscarded: false }, Math.min(500, max), continuation);
      matched.push(...page.items);
      continuation = page.continuation;
    } while (continuation !== undefined && matched.length < max);
    return matched.slice(0, max);
  }

  /** One change per dead letter; a failure is reported with the others carried on. */
  private async each(items: readonly DeadLetterSummary[], act: (jobId: string) => Promise<unknown>) {
    const done: string[] = [];
    const failed: { jobId: string; error: string }[] = [];
    for (const item of items) {
      try {
        await act(item.jobId);
        done.push(item.jobId);
      } catch (error) {
        failed.push({ jobId: item.jobId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { done, failed };
  }
}
