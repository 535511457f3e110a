import {
  FleetError,
  isFleetError,
  occurrenceKey,
  type PutScheduleBody,
  type ScheduleDoc,
  scheduleDocId,
  type SubmitJobBody,
} from "../../contracts/index.js";
import { isStoreError, type StorePort, type Stored } from "../../store/port.js";
import { deriveJobId } from "../jobs/job-identity.js";
import { assertValidCron, nextOccurrence, nextOccurrences } from "../scheduler/cron-expression.js";
import { DeadlineQueue } from "../scheduler/deadline-queue.js";
import type { FleetEvents } from "./fleet-events.js";

/** What the schedule book needs of the coordinator. */
export interface ScheduleHost {
  /** Submits one occurrence; idempotent by its key. */
  submit(productId: string, body: SubmitJobBody): Promise<{ jobId: string; outcome: string }>;
  /** Whether the job is still active (from memory). */
  isActive(jobId: string): boolean;
  /** Throws VALIDATION when no pool can run jobs with these capabilities. */
  assertRoutable(capabilities: readonly string[]): void;
}

/** Occurrences handled per schedule per pass, so a long outage's backlog cannot stall the loop. */
const MAX_OCCURRENCES_PER_PASS = 50;

export interface ScheduleView extends ScheduleDoc {
  nextRuns: number[];
}

/**
 * Recurring submissions. Schedules are loaded at start and kept in memory with a deadline per
 * schedule (its next occurrence), so nothing polls the store. Each occurrence at instant T is
 * submitted with the idempotency key `schedule:<name>:<T>` BEFORE the schedule document moves
 * past T: a crash in between resubmits T after the restart and finds the job already there, so
 * no occurrence is submitted twice and none is lost. Overlap `skip` records an occurrence that
 * falls due while the previous occurrence's job is still active as skipped.
 */
export class ScheduleBook {
  private readonly docs = new Map<string, Stored<ScheduleDoc>>();
  private readonly due = new DeadlineQueue();

  constructor(
    private readonly store: StorePort,
    private readonly host: ScheduleHost,
    private readonly events: FleetEvents,
  ) {}

  async load(): Promise<number> {
    let continuation: string | undefined;
    do {
      const page = await this.store.query("schedules", { limit: 1000, ...(continuation === undefined ? {} : { continuation }) });
      for (const item of page.items) this.remember(item);
      continuation = page.continuation;
    } while (continuation !== undefined);
    return this.docs.size;
  }

  list(productScope: string | undefined): ScheduleDoc[] {
    return [...this.docs.values()]
      .map((stored) => stored.doc)
      .filter((doc) => productScope === undefined || doc.productId === productScope)
      .sort((a, b) => (a.productId + a.name < b.productId + b.name ? -1 : 1));
  }

  get(productId: string, name: string, next = 5): ScheduleView {
    const doc = this.find(productId, name).doc;
    const nextRuns = doc.nextRunAt === undefined ? [] : [doc.nextRunAt, ...nextOccurrences(doc.cron, doc.timeZone, doc.nextRunAt, next - 1)].slice(0, next);
    return { ...doc, nextRuns };
  }

  async put(productId: string, name: string, body: PutScheduleBody, now: number): Promise<{ schedule: ScheduleDoc; created: boolean }> {
    assertValidCron(body.cron, body.timeZone);
    this.host.assertRoutable(body.job.capabilities);
    const startAt = body.startAt ?? now;
    const current = this.docs.get(scheduleDocId(productId, name));
    const timingChanged = current === undefined || current.doc.cron !== body.cron || current.doc.timeZone !== body.timeZone || body.startAt !== undefined;
    const doc = await this.write(productId, name, (existing) => {
      const base: ScheduleDoc = existing ?? {
        id: scheduleDocId(productId, name),
        productId,
        name,
        cron: body.cron,
        timeZone: body.timeZone,
        overlap: body.overlap,
        job: body.job,
        paused: body.paused,
        submitted: 0,
        skipped: 0,
        revision: 0,
        createdAt: now,
        updatedAt: now,
      };
      const next: ScheduleDoc = { ...base, cron: body.cron, timeZone: body.timeZone, overlap: body.overlap, job: body.job, paused: body.paused, revision: base.revision + 1, updatedAt: now };
      if (!body.paused) delete next.pausedReason;
      if (existing === undefined || timingChanged || (existing.paused && !body.paused)) {
        // The first occurrence at or after startAt (nextRun is strictly after its argument).
        const first = nextOccurrence(body.cron, body.timeZone, startAt - 1);
        if (first === undefined) delete next.nextRunAt;
        else next.nextRunAt = first;
      }
      return next;
    });
    this.events.emit({ type: "schedule.updated", at: now, productId, data: { name, cron: doc.cron, timeZone: doc.timeZone, nextRunAt: doc.nextRunAt ?? null } });
    return { schedule: doc, created: current === undefined };
  }

  async setPaused(productId: string, name: string, paused: boolean, reason: string | undefined, now: number): Promise<ScheduleDoc> {
    this.find(productId, name);
    const doc = await this.write(productId, name, (existing) => {
      if (existing === undefined) throw notFound(name);
      if (existing.paused === paused) return existing;
      const next: ScheduleDoc = { ...existing, paused, revision: existing.revision + 1, updatedAt: now };
      if (paused && reason !== undefined) next.pausedReason = reason;
      else delete next.pausedReason;
      if (!paused) {
        // Occurrences that fell due while paused are not made up for: the next one is the first from now.
        const following = nextOccurrence(existing.cron, existing.timeZone, now - 1);
        if (following === undefined) delete next.nextRunAt;
        else next.nextRunAt = following;
      }
      return next;
    });
    this.events.emit({ type: paused ? "schedule.paused" : "schedule.resumed", at: now, productId, data: { name, ...(reason === undefined ? {} : { reason }) } });
    return doc;
  }

  async remove(productId: string, name: string, now: number): Promise<void> {
    const stored = this.find(productId, name);
    await this.store.delete("schedules", stored.doc.id, productId);
    this.docs.delete(stored.doc.id);
    this.due.delete(stored.doc.id);
    this.events.emit({ type: "schedule.deleted", at: now, productId, data: { name } });
  }

  nextDeadline(): number | undefined {
    return this.due.nextAt();
  }

  /**
   * Handles every occurrence due at `now`, oldest first. A schedule whose store calls fail keeps
   * its deadline and is tried again on the next pass (its occurrences are idempotent).
   */
  async runDue(now: number): Promise<number> {
    let handled = 0;
    for (const id of this.due.takeDue(now)) {
      try {
        handled += await this.runOne(id, now);
      } catch {
        const doc = this.docs.get(id)?.doc;
        if (doc?.nextRunAt !== undefined && !doc.paused) this.due.set(id, Math.max(doc.nextRunAt, now + 250));
      }
    }
    return handled;
  }

  private async runOne(id: string, now: number): Promise<number> {
    let handled = 0;
    for (let n = 0; n < MAX_OCCURRENCES_PER_PASS; n++) {
      const doc = this.docs.get(id)?.doc;
      if (doc === undefined || doc.paused || doc.nextRunAt === undefined || doc.nextRunAt > now) return handled;
      const occurrence = doc.nextRunAt;
      const skip = doc.overlap === "skip" && doc.lastJobId !== undefined && this.host.isActive(doc.lastJobId);
      let jobId: string | undefined;
      let refused: string | undefined;
      if (!skip) {
        try {
          jobId = await this.submitOccurrence(doc, occurrence);
        } catch (error) {
          // The store refused: keep the occurrence for the next pass. The job itself was refused
          // (its capabilities no longer routable, say): record it as skipped with the reason
          // rather than retrying it forever.
          if (!isFleetError(error) || error.code === "STORE_UNAVAILABLE") throw error;
          refused = error.message;
        }
      }
      const following = nextOccurrence(doc.cron, doc.timeZone, occurrence);
      await this.write(doc.productId, doc.name, (existing) => {
        if (existing === undefined) throw notFound(doc.name);
        // Someone changed the schedule meanwhile: their timing stands.
        if (existing.nextRunAt !== occurrence) return existing;
        const next: ScheduleDoc = { ...existing, revision: existing.revision + 1, updatedAt: now };
        if (following === undefined) delete next.nextRunAt;
        else next.nextRunAt = following;
        if (jobId === undefined) {
          next.skipped = existing.skipped + 1;
          next.lastSkippedAt = occurrence;
          if (refused === undefined) delete next.lastError;
          else next.lastError = refused;
        } else {
          next.submitted = existing.submitted + 1;
          next.lastRunAt = occurrence;
          next.lastJobId = jobId;
        }
        return next;
      });
      this.events.emit({
        type: jobId === undefined ? "schedule.skipped" : "schedule.submitted",
        at: now,
        productId: doc.productId,
        ...(jobId === undefined ? {} : { jobId }),
        data: { name: doc.name, occurrence, ...(jobId !== undefined ? {} : refused === undefined ? { activeJobId: doc.lastJobId } : { refused }) },
      });
      handled++;
    }
    const doc = this.docs.get(id)?.doc;
    if (doc?.nextRunAt !== undefined && !doc.paused) this.due.set(id, doc.nextRunAt);
    return handled;
  }

  private async submitOccurrence(doc: ScheduleDoc, occurrence: number): Promise<string> {
    const key = occurrenceKey(doc.name, occurrence);
    try {
      return (await this.host.submit(doc.productId, { ...doc.job, idempotencyKey: key, kind: "leaf", deps: [], depsMode: "hard" })).jobId;
    } catch (error) {
      // The occurrence was submitted before (by an earlier pass or process) and has moved on
      // since, so it can no longer take this content: it exists, which is all that matters.
      if (isFleetError(error, "IDEMPOTENCY_CONFLICT")) return deriveJobId(doc.productId, key);
      throw error;
    }
  }

  private find(productId: string, name: string): Stored<ScheduleDoc> {
    const stored = this.docs.get(scheduleDocId(productId, name));
    if (stored === undefined) throw notFound(name);
    return stored;
  }

  private async write(productId: string, name: string, decide: (current: ScheduleDoc | undefined) => ScheduleDoc): Promise<ScheduleDoc> {
    const id = scheduleDocId(productId, name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = this.docs.get(id);
      const next = decide(current?.doc);
      if (current !== undefined && next === current.doc) return next;
      try {
        const stored = current === undefined ? await this.store.create("schedules", next) : await this.store.replace("schedules", next, current.etag);
        this.remember(stored);
        return stored.doc;
      } catch (error) {
        if (!isStoreError(error, "conflict") && !isStoreError(error, "already_exists") && !isStoreError(error, "timeout")) throw error;
        const fresh = await this.store.get("schedules", id, productId);
        if (fresh === undefined) {
          this.docs.delete(id);
          this.due.delete(id);
        } else this.remember(fresh);
        if (isStoreError(error, "timeout") && fresh?.doc.revision === next.revision && fresh.doc.updatedAt === next.updatedAt) return fresh.doc;
      }
    }
    throw new FleetError("STORE_UNAVAILABLE", `schedule '${name}' kept changing while it was written; retry`);
  }

  private remember(stored: Stored<ScheduleDoc>): void {
    this.docs.set(stored.doc.id, stored);
    if (stored.doc.paused || stored.doc.nextRunAt === undefined) this.due.delete(stored.doc.id);
    else this.due.set(stored.doc.id, stored.doc.nextRunAt);
  }
}

function notFound(name: string): FleetError {
  return new FleetError("NOT_FOUND", `schedule '${name}' not found; list the product's schedules with GET /fleet/schedules`);
}
