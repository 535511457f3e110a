import type { ControlChange, DeadLetterChange, FleetStreamEvent, JobStreamEvent, PoolScaleSample } from "../../contracts/event-stream.js";
import type { Clock, JobDoc } from "../../contracts/index.js";
import { FleetEventRing, type FleetRecord } from "./fleet-event-ring.js";
import { JobEventRing } from "./job-event-ring.js";
import { type Ending, TerminalTally } from "./terminal-tally.js";

export type JobListener = (event: JobStreamEvent) => void;
export type FleetListener = (record: FleetRecord) => void;

export interface EventHubOptions {
  clock: Clock;
  /** Jobs whose recent timeline stays in memory (default 5,000). */
  maxJobs?: number;
  /** Events kept per job (default 32). */
  eventsPerJob?: number;
  /** Fleet events kept for resuming (default 10,000). */
  fleetEvents?: number;
}

const ENDINGS: Partial<Record<JobDoc["stage"], Ending>> = { shipped: "shipped", failed: "failed", dead_letter: "deadLettered", cancelled: "cancelled" };

/**
 * What the live streams serve, in memory: fed by every committed job change (after the write, in
 * commit order) and by the pool scale sampler, never by store reads. Keeps the recent timeline of
 * each recently changed job, the recent fleet events with resumable ids, and the last hour's
 * endings; fans each new event out to the open streams. Listeners run on the commit path: they
 * must only queue bytes, and a listener that throws is dropped rather than allowed to fail a commit.
 */
export class EventHub {
  readonly jobs: JobEventRing;
  readonly fleet: FleetEventRing;
  readonly endings: TerminalTally;
  private readonly jobListeners = new Map<string, Set<JobListener>>();
  private readonly fleetListeners = new Set<FleetListener>();

  constructor(options: EventHubOptions) {
    this.jobs = new JobEventRing({ maxJobs: options.maxJobs ?? 5000, eventsPerJob: options.eventsPerJob ?? 32 });
    this.fleet = new FleetEventRing(options.fleetEvents ?? 10_000);
    this.endings = new TerminalTally(() => options.clock.now());
  }

  /** The commit listener: `coordinator.onCommit((previous, next) => hub.observe(previous, next))`. */
  observe(previous: JobDoc | undefined, next: JobDoc): void {
    const added = this.jobs.observe(previous, next);
    const listeners = this.jobListeners.get(next.id);
    if (listeners !== undefined) {
      for (const event of added) {
        const streamed: JobStreamEvent = { ...event, jobId: next.id };
        for (const listener of listeners) this.call(listeners, listener, streamed);
      }
    }
    if (previous?.stage !== next.stage) {
      const pool = next.lease?.pool ?? next.deadLetter?.pool ?? previous?.lease?.pool ?? next.runs[next.runs.length - 1]?.pool;
      this.publish(
        {
          type: "job.stage",
          data: {
            jobId: next.id,
            productId: next.productId,
            idempotencyKey: next.idempotencyKey,
            ...(next.title === undefined ? {} : { title: next.title }),
            priority: next.priority,
            ...(pool === undefined ? {} : { pool }),
            from: previous?.stage ?? null,
            to: next.stage,
            ...(next.stageReason === undefined ? {} : { reason: next.stageReason }),
            at: new Date(next.updatedAt).toISOString(),
          },
        },
        { productId: next.productId, jobId: next.id, stage: next.stage, ...(pool === undefined ? {} : { pool }) },
      );
      const ending = ENDINGS[next.stage];
      // A job seen for the first time in its final stage (adopted from the store) did not end now.
      if (ending !== undefined && previous !== undefined) this.endings.count(next.productId, ending);
      if (next.stage === "dead_letter") this.publishDeadLetter("dead_letter", next);
    }
    if (next.stage === "dead_letter" && previous?.deadLetter?.discardedAt === undefined && next.deadLetter?.discardedAt !== undefined) {
      this.publishDeadLetter("dead_letter.discarded", next);
    }
  }

  /** A pool's scale changed (the sampler calls this only on change). */
  /** A lever's event (`coordinator.onFleetEvent`): budgets, pauses, preemptions, schedules. */
  control(event: { type: string; at: number; productId?: string; pool?: string; jobId?: string; data: Record<string, unknown> }): void {
    const data: ControlChange = {
      kind: event.type,
      at: new Date(event.at).toISOString(),
      ...(event.productId === undefined ? {} : { productId: event.productId }),
      ...(event.pool === undefined ? {} : { pool: event.pool }),
      ...(event.jobId === undefined ? {} : { jobId: event.jobId }),
      details: event.data,
    };
    this.publish(
      { type: "control", data },
      { ...(event.productId === undefined ? {} : { productId: event.productId }), ...(event.pool === undefined ? {} : { pool: event.pool }), ...(event.jobId === undefined ? {} : { jobId: event.jobId }) },
    );
  }

  poolSample(sample: PoolScaleSample): void {
    this.publish({ type: "pool.scale", data: sample }, { pool: sample.pool });
  }

  subscribeJob(jobId: string, listener: JobListener): () => void {
    let listeners = this.jobListeners.get(jobId);
    if (listeners === undefined) {
      listeners = new Set();
      this.jobListeners.set(jobId, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.jobListeners.get(jobId);
      current?.delete(listener);
      if (current?.size === 0) this.jobListeners.delete(jobId);
    };
  }

  subscribeFleet(listener: FleetListener): () => void {
    this.fleetListeners.add(listener);
    return () => this.fleetListeners.delete(listener);
  }

  private publishDeadLetter(type: "dead_letter" | "dead_letter.discarded", job: JobDoc): void {
    const info = job.deadLetter;
    const data: DeadLetterChange = {
      jobId: job.id,
      productId: job.productId,
      idempotencyKey: job.idempotencyKey,
      ...(job.title === undefined ? {} : { title: job.title }),
      ...(info?.pool === undefined ? {} : { pool: info.pool }),
      source: info?.source ?? "retries",
      reason: info?.reason ?? job.stageReason ?? "unknown",
      at: new Date(info?.discardedAt ?? info?.at ?? job.updatedAt).toISOString(),
    };
    this.publish({ type, data }, { productId: job.productId, jobId: job.id, ...(info?.pool === undefined ? {} : { pool: info.pool }) });
  }

  private publish(event: FleetStreamEvent, facets: Omit<FleetRecord, "id" | "n" | "event">): void {
    const record = this.fleet.append({ event, ...facets });
    for (const listener of this.fleetListeners) this.call(this.fleetListeners, listener, record);
  }

  private call<T>(set: Set<(value: T) => void>, listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch {
      set.delete(listener);
    }
  }
}
