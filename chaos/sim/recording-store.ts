import type { BudgetDoc, JobDoc, PoolDoc, ScheduleDoc } from "../../contracts/index.js";
import { toMicroUsd } from "../../coordinator/lifecycle/run-cost.js";
import { AppliedWritesStore, type AppliedWriteObserver } from "../history/applied-writes-store.js";
import type { History } from "../history/history.js";
import { JobCommits } from "../history/job-commits.js";
import type { Collection, DocOf, StorePort } from "../../store/port.js";

/**
 * The store as the history sees it: every job write the store APPLIED becomes a commit in the
 * history, with the stage before and after, the epoch, the lease, the checkpoint, the spend and
 * the events it appended; every write of a product's controls (budget, pause), a pool's pause or
 * a schedule becomes a control or schedule operation. It sits directly on the memory store, under
 * the fault injection, so a write whose caller saw a timeout is recorded when (and only when) it
 * happened: safety is judged at the store.
 */
export class RecordingStore extends AppliedWritesStore {
  constructor(inner: StorePort, history: History) {
    super(inner, new SimWrites(history));
  }
}

class SimWrites implements AppliedWriteObserver {
  private readonly jobs: JobCommits;
  private readonly schedules = new Map<string, ScheduleDoc>();

  constructor(private readonly history: History) {
    this.jobs = new JobCommits(history);
  }

  applied(collection: Collection, doc: DocOf<Collection>): void {
    switch (collection) {
      case "jobs":
        this.jobs.record(doc as JobDoc);
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

  deleted(collection: Collection, id: string): void {
    const schedule = collection === "schedules" ? this.schedules.get(id) : undefined;
    if (schedule === undefined) return;
    this.schedules.delete(id);
    this.recordSchedule(schedule, true);
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
