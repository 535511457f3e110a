import type { JobDoc, JobEvent } from "../../contracts/index.js";

export interface JobEventRingOptions {
  /** Jobs remembered; the least recently changed is forgotten first. */
  maxJobs: number;
  /** Newest events kept per job. */
  eventsPerJob: number;
}

interface Entry {
  productId: string;
  /** Contiguous: every event from events[0].seq (or `nextSeq` when empty) to nextSeq - 1. */
  events: JobEvent[];
  nextSeq: number;
}

/**
 * The recent timeline of recently changed jobs, in memory, fed by every committed job change. A
 * job stream resumes from here without touching the store; what is not here (a job changed before
 * this process started, or forgotten since) comes from the store with one query. Bounded in jobs
 * and in events per job.
 */
export class JobEventRing {
  private readonly jobs = new Map<string, Entry>();

  constructor(private readonly options: JobEventRingOptions) {}

  /** Records the events `next` added. Returns them (oldest first); none when nothing was added. */
  observe(previous: JobDoc | undefined, next: JobDoc): JobEvent[] {
    const entry = this.jobs.get(next.id);
    const known = entry?.nextSeq ?? previous?.nextEventSeq ?? 0;
    const added = next.events.filter((event) => event.seq >= known);
    if (entry === undefined || (next.events[0] !== undefined && next.events[0].seq > entry.nextSeq)) {
      // First sight of this job, or a gap we cannot fill: start over from the job's inline tail,
      // which is contiguous up to its newest event.
      this.remember(next.id, { productId: next.productId, events: next.events.slice(-this.options.eventsPerJob), nextSeq: next.nextEventSeq });
      return added;
    }
    if (added.length > 0) {
      entry.events.push(...added);
      entry.nextSeq = added[added.length - 1]!.seq + 1;
      if (entry.events.length > this.options.eventsPerJob) entry.events.splice(0, entry.events.length - this.options.eventsPerJob);
    }
    this.remember(next.id, entry);
    return added;
  }

  /**
   * The events after `after` (-1: all) if memory holds every one of them, with the job's product
   * for the scope check; undefined when the store must answer.
   */
  since(jobId: string, after: number): { productId: string; events: JobEvent[] } | undefined {
    const entry = this.jobs.get(jobId);
    if (entry === undefined) return undefined;
    const firstHeld = entry.events[0]?.seq ?? entry.nextSeq;
    if (after + 1 < firstHeld) return undefined;
    return { productId: entry.productId, events: entry.events.filter((event) => event.seq > after) };
  }

  get size(): number {
    return this.jobs.size;
  }

  private remember(id: string, entry: Entry): void {
    // Map order is insertion order: re-inserting makes this job the most recent.
    this.jobs.delete(id);
    this.jobs.set(id, entry);
    if (this.jobs.size > this.options.maxJobs) {
      const oldest = this.jobs.keys().next().value;
      if (oldest !== undefined) this.jobs.delete(oldest);
    }
  }
}
