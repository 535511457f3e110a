import { type DeadLetterFilter, FleetError, type JobDoc } from "../../contracts/index.js";
import type { StoreFilter, StorePort } from "../../store/port.js";
import type { Coordinator } from "./coordinator.js";

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
  at: number;
  retries: number;
  discardedAt?: number;
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
    at: info?.at ?? job.updatedAt,
    retries: job.retries,
    ...(info?.discardedAt === undefined ? {} : { discardedAt: info.discardedAt }),
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
    const page = await this.store.query("jobs", {
      where,
      orderBy: { field: "updatedAt", direction: "desc" },
      limit,
      ...(continuation === undefined ? {} : { continuation }),
    });
    const items = page.items.map((item) => item.doc).filter((job) => filter.includeDiscarded || job.deadLetter?.discardedAt === undefined);
    return { items: items.map(summarise), ...(page.continuation === undefined ? {} : { continuation: page.continuation }) };
  }

  async get(scope: string | undefined, jobId: string) {
    const job = await this.coordinator.getJob(scope, jobId);
    if (job.stage !== "dead_letter") throw new FleetError("NOT_FOUND", `job ${jobId} is not a dead letter (stage '${job.stage}')`);
    return { ...summarise(job), runs: job.runs, checkpoint: job.checkpoint ?? null };
  }

  /** New epoch, retries start over; the job then runs once. The broker's copy was already
   * removed from the DLQ when the monitor reconciled it. */
  async replay(scope: string | undefined, jobId: string) {
    await this.get(scope, jobId);
    return this.coordinator.action(scope, jobId, "requeue", "replayed from dead letters");
  }

  async discard(scope: string | undefined, jobId: string, reason?: string) {
    await this.get(scope, jobId);
    return this.coordinator.discardDeadLetter(scope, jobId, reason);
  }

  async bulkReplay(scope: string | undefined, filter: Omit<DeadLetterFilter, "includeDiscarded">, dryRun: boolean, max: number) {
    const matched: DeadLetterSummary[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.list(scope, { ...filter, includeDiscarded: false }, Math.min(500, max), continuation);
      matched.push(...page.items);
      continuation = page.continuation;
    } while (continuation !== undefined && matched.length < max);
    const selected = matched.slice(0, max);
    if (dryRun) return { dryRun: true, matched: selected.length, items: selected };
    const replayed: string[] = [];
    const failed: { jobId: string; error: string }[] = [];
    for (const item of selected) {
      try {
        await this.coordinator.action(scope, item.jobId, "requeue", "replayed from dead letters (bulk)");
        replayed.push(item.jobId);
      } catch (error) {
        failed.push({ jobId: item.jobId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { dryRun: false, matched: selected.length, replayed, failed };
  }
}
