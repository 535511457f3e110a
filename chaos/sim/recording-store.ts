import type { BudgetDoc, JobDoc, PoolDoc, ScheduleDoc } from "../../contracts/index.js";
import { toMicroUsd } from "../../coordinator/lifecycle/run-cost.js";
import type { History } from "../history/history.js";
import type { Collection, DocOf, StoreCountQuery, StorePort, StoreQuery, StoreStats } from "../../store/port.js";

/**
 * The store as the history sees it: every job write the store APPLIED becomes a commit in the
 * history, with the stage before and after, the epoch, the lease, the checkpoint, the spend and
 * the events it appended; every write of a product's controls (budget, pause), a pool's pause or
 * a schedule becomes a control or schedule operation. It sits directly on the memory store, under
 * the fault injection, so a write whose caller saw a timeout is recorded when (and only when) it
 * happened: safety is judged at the store.
 */
export class RecordingStore implements StorePort {
  private readonly last = new Map<string, JobDoc>();
  private readonly schedules = new Map<string, ScheduleDoc>();

  constructor(
    private readonly inner: StorePort,
    private readonly history: History,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  get<C extends Collection>(collection: C, id: string, partitionKey: string) {
    return this.inner.get(collection, id, partitionKey);
  }
  async create<C extends Collection>(collection: C, doc: DocOf<C>) {
    const stored = await this.inner.create(collection, doc);
    this.observe(collection, stored.doc);
    return stored;
  }
  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string) {
    const stored = await this.inner.replace(collection, doc, ifMatch);
    this.observe(collection, stored.doc);
    return stored;
  }
  async upsert<C extends Collection>(collection: C, doc: DocOf<C>) {
    const stored = await this.inner.upsert(collection, doc);
    this.observe(collection, stored.doc);
    return stored;
  }
  async delete(collection: Collection, id: string, partitionKey: string) {
    await this.inner.delete(collection, id, partitionKey);
    const schedule = collection === "schedules" ? this.schedules.get(id) : undefined;
    if (schedule !== undefined) {
      this.schedules.delete(id);
      this.recordSchedule(schedule, true);
    }
  }
  query<C extends Collection>(collection: C, query: StoreQuery) {
    return this.inner.query(collection, query);
  }

  count(collection: Collection, query: StoreCountQuery) {
    return this.inner.count(collection, query);
  }
  stats(): StoreStats {
    return this.inner.stats();
  }
  close() {
    return this.inner.close();
  }

  private observe(collection: Collection, doc: DocOf<Collection>): void {
    switch (collection) {
      case "jobs":
        this.recordJob(doc as JobDoc);
        break;
      case "budgets":
        this.recordBudget(doc as BudgetDoc);
        break;
      case "pools":
        this.recordPool(doc as PoolDoc);
        break;
      case "schedules":
        this.schedules.set(doc.id, doc as ScheduleDoc);
        this.recordSchedule(doc as ScheduleDoc, false);
        break;
      default:
        break;
    }
  }

  private recordJob(doc: JobDoc): void {
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
  }

  private recordBudget(doc: BudgetDoc): void {
    this.history.instant({
      kind: "control",
      actor: "store",
      scope: "product",
      name: doc.productId,
      paused: doc.pause !== undefined,
      ...(doc.pause === undefined ? {} : { mode: doc.pause.mode }),
      ...(doc.ceilingUsd === undefined ? {} : { ceilingMicro: toMicroUsd(doc.ceilingUsd) }),
      window: doc.window,
      windowStart: doc.windowStart,
    });
  }

  private recordPool(doc: PoolDoc): void {
    this.history.instant({ kind: "control", actor: "store", scope: "pool", name: doc.name, paused: doc.paused, ...(doc.paused ? { mode: doc.pause?.drain === true ? "drain" : "finish" } : {}) });
  }

  private recordSchedule(doc: ScheduleDoc, deleted: boolean): void {
    this.history.instant({
      kind: "schedule",
      actor: "store",
      productId: doc.productId,
      name: doc.name,
      deleted,
      cron: doc.cron,
      timeZone: doc.timeZone,
      overlap: doc.overlap,
      paused: doc.paused,
      createdAt: doc.createdAt,
      ...(doc.nextRunAt === undefined ? {} : { nextRunAt: doc.nextRunAt }),
      ...(doc.lastSkippedAt === undefined ? {} : { lastSkippedAt: doc.lastSkippedAt }),
      ...(doc.lastJobId === undefined ? {} : { lastJobId: doc.lastJobId }),
      skipped: doc.skipped,
      submitted: doc.submitted,
    });
  }
}
