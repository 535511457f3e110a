import type { JobDoc } from "../../contracts/index.js";
import { assignJob } from "../lifecycle/assign-job.js";
import { choosePool, DEFAULT_SHARE, type FairnessTerm, scoreJob, type ScorableJob, type ScoreWeights } from "../scorer/index.js";
import { canTakeWork, type PoolRegistry, type PoolRuntime, toScorable } from "../pools/pool-registry.js";
import { FairShareBook } from "./fair-share-book.js";
import type { ReadyBucket, ReadyIndex } from "./ready-index.js";

export interface SchedulerOptions {
  weightsFor: (productId: string) => ScoreWeights;
  starvationAfterMs: number;
  /** Whether the product may receive new assignments now. Answered from memory: it is asked per
   * ready bucket on every selection, BEFORE any job is looked at, and costs no store operation. */
  productOpen?: (productId: string) => boolean;
  /** Whether to keep this ready job queued for now (a budget's hold-back). A held job leaves the
   * ready index through `onHeld`; its owner puts it back when the reason may have gone. */
  holdBack?: (job: JobDoc) => boolean;
  onHeld?: (job: JobDoc) => void;
  /** The product's fair share (default 1). */
  shareOf?: (productId: string) => number;
  /** Assignment writes of one pass in flight at once (default 1: one after another). A store
   * that groups concurrent writes (CosmosStore's bulk calls) commits a pass in a few requests. */
  maxWritesInFlight?: number;
}

/** What the scheduler needs of the job state: the cached copy of an active job, and one
 * conditional write that applies a pure decision (re-deciding after a conflict). */
export interface SchedulerJobs {
  cached(id: string): JobDoc | undefined;
  commit(id: string, decide: (job: JobDoc) => JobDoc): Promise<JobDoc>;
}

export interface Selection {
  job: JobDoc;
  pool: PoolRuntime;
  score: number;
  /** Critical work is placed before the fair-share rotation. */
  critical: boolean;
}

interface Candidate {
  job: JobDoc;
  score: number;
  capable: PoolRuntime[];
}

/**
 * Picks what runs next and where, and commits each assignment with one conditional write.
 *
 * Selection looks only at the head of every ready bucket that is open (its product not paused)
 * and that some capable pool has room for:
 * 1. A critical head of ANY product goes first (highest score; ties: older, then smaller id).
 * 2. Otherwise the products with a candidate share the fleet by weight (fair-share rotation,
 *    scorer/fair-share.ts), and the chosen product's best-scoring head goes: priority orders work
 *    WITHIN a product, the rotation decides BETWEEN products, so a product with 100,000 ready jobs
 *    cannot starve one with ten.
 * The pool is then chosen among the capable pools with room by fit, headroom, cost and health.
 */
export class Scheduler {
  private readonly fair: FairShareBook;
  private readonly maxWritesInFlight: number;
  /** The assignment writes in flight, so a pause can wait until none is. */
  private readonly writing = new Set<Promise<unknown>>();

  constructor(
    private readonly jobs: SchedulerJobs,
    private readonly ready: ReadyIndex,
    private readonly pools: PoolRegistry,
    private readonly options: SchedulerOptions,
  ) {
    this.fair = new FairShareBook((productId) => options.shareOf?.(productId) ?? DEFAULT_SHARE);
    this.maxWritesInFlight = options.maxWritesInFlight ?? 1;
    if (!Number.isInteger(this.maxWritesInFlight) || this.maxWritesInFlight < 1) {
      throw new Error(`maxWritesInFlight must be a positive integer, got ${options.maxWritesInFlight}`);
    }
  }

  /** Head scores are cached per bucket for one `now`: a head's score changes only with time or
   * when the head itself changes, so a pass over the buckets is a comparison of numbers. */
  private scoreCache = new Map<string, { id: string; now: number; score: number }>();

  selectNext(now: number): Selection | undefined {
    // Holding a head back uncovers the next job of its bucket, which this pass has gone past:
    // look again (each round holds at least one job back, so this ends).
    for (;;) {
      const { selection, held } = this.selectOnce(now);
      if (selection !== undefined || held === 0) return selection;
    }
  }

  private selectOnce(now: number): { selection: Selection | undefined; held: number } {
    let held = 0;
    let critical: Candidate | undefined;
    const perProduct = new Map<string, Candidate>();
    for (const { bucket, id } of this.ready.heads()) {
      if (this.options.productOpen !== undefined && !this.options.productOpen(bucket.productId)) continue;
      const capable = this.pools.capableOf(bucket.capabilityKey, bucket.capabilities);
      if (!capable.some(canTakeWork)) continue;
      const job = this.jobs.cached(id);
      if (job === undefined || job.stage !== "queued") {
        this.ready.remove(id);
        continue;
      }
      if (this.options.holdBack?.(job) === true) {
        this.ready.remove(id);
        this.options.onHeld?.(job);
        held++;
        continue;
      }
      const candidate = { job, score: this.scoreOf(bucket, job, capable, now), capable };
      if (bucket.priority === "critical") critical = better(critical, candidate);
      else perProduct.set(job.productId, better(perProduct.get(job.productId), candidate));
    }
    let best = critical;
    if (best === undefined && perProduct.size > 0) {
      const productId = perProduct.size === 1 ? perProduct.keys().next().value! : this.fair.pick(perProduct.keys())!;
      best = perProduct.get(productId);
    }
    if (best === undefined) return { selection: undefined, held };
    const choice = choosePool(toScorableJob(best.job), best.capable.filter(canTakeWork).map(toScorable));
    if (choice === undefined) return { selection: undefined, held };
    const pool = this.pools.get(choice.pool.name);
    if (pool === undefined) return { selection: undefined, held };
    return { selection: { job: best.job, pool, score: best.score, critical: best === critical }, held };
  }

  /**
   * Assigns ready jobs until no capable pool has room or `limit` is reached. Returns the count.
   *
   * Up to `maxWritesInFlight` assignment writes run at once. Each selection reserves what the
   * write will take before the next selection looks: the job leaves the ready index, the pool's
   * seat is reserved (`canTakeWork` counts it), the product is charged its fair share. So writes
   * in flight together can never give a pool more than its window. A write that does not assign
   * gives the seat and the charge back: a job no longer queued (cancelled meanwhile) is simply
   * gone; a job still queued (a pause seen at the write) or a store failure returns the job to
   * the index, and the pass then selects nothing new, waits for the writes in flight and ends
   * (rethrowing the store failure), as one write at a time did.
   */
  async assignReady(now: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let assigned = 0;
    let issued = 0;
    let stop = false;
    let failure: { error: unknown } | undefined;
    const pass = new Set<Promise<void>>();
    while (!stop && issued < limit) {
      if (pass.size >= this.maxWritesInFlight) {
        await Promise.race(pass);
        continue;
      }
      const selection = this.selectNext(now);
      if (selection === undefined) break;
      issued++;
      const write = this.commitAssignment(selection, now).then(
        (outcome) => {
          if (outcome === "assigned") assigned++;
          else if (outcome === "requeued") stop = true;
        },
        (error: unknown) => {
          failure ??= { error };
          stop = true;
        },
      );
      pass.add(write);
      void write.finally(() => pass.delete(write));
    }
    await Promise.all(pass);
    if (failure !== undefined) throw failure.error;
    return assigned;
  }

  /** One assignment write, with the reservation its selection made given back unless it assigned. */
  private async commitAssignment({ job, pool }: Selection, now: number): Promise<"assigned" | "requeued" | "gone"> {
    // Out of the index first: the commit listener would too, but a write in flight must not be
    // selected again, and a failed one must not leave the scheduler spinning on the same job.
    this.ready.remove(job.id);
    pool.reserved++;
    const charge = this.fair.charge(job.productId);
    const write = this.jobs.commit(job.id, (current) =>
      // The gate is asked again at the write: a pause made since the selection wins.
      current.stage === "queued" && (this.options.productOpen?.(current.productId) ?? true)
        ? assignJob(current, { pool: pool.definition.name, acceptTimeoutMs: pool.definition.acceptTimeoutSeconds * 1000 }, now)
        : current,
    );
    const tracked = write.catch(() => undefined);
    this.writing.add(tracked);
    try {
      const next = await write;
      if (next.stage === "assigned") return "assigned";
      this.fair.refund(charge);
      if (next.stage !== "queued") return "gone";
      this.ready.add(next);
      return "requeued";
    } catch (error) {
      this.fair.refund(charge);
      // Put it back so it is not lost from the index; the caller sees the error and backs off.
      const current = this.jobs.cached(job.id);
      if (current?.stage === "queued") this.ready.add(current);
      throw error;
    } finally {
      pool.reserved--;
      this.writing.delete(tracked);
    }
  }

  /** Resolves once every assignment write in flight when it is called has committed or failed. A
   * pause waits for this before it is recorded, so no assignment lands after the pause is committed. */
  settled(): Promise<unknown> {
    return Promise.all([...this.writing]);
  }

  /** The fairness term of a product as `explain` shows it, against the products competing now. */
  fairnessTerm(productId: string, critical: boolean): FairnessTerm {
    const competing = new Set<string>();
    for (const { bucket } of this.ready.heads()) {
      if (bucket.priority !== "critical" && (this.options.productOpen?.(bucket.productId) ?? true)) competing.add(bucket.productId);
    }
    return this.fair.term(productId, competing, critical);
  }

  private scoreOf(bucket: ReadyBucket, job: JobDoc, capable: PoolRuntime[], now: number): number {
    let cached = this.scoreCache.get(bucket.key);
    if (cached === undefined || cached.id !== job.id || cached.now !== now) {
      const ctx = { now, weights: this.options.weightsFor(job.productId), starvationAfterMs: this.options.starvationAfterMs };
      // Rank against the best-fitting capable pool, so a job's rank does not depend on which
      // pool happens to have room right now.
      cached = { id: job.id, now, score: scoreJob(toScorableJob(job), toScorable(capable[0]!), ctx).total };
      this.scoreCache.set(bucket.key, cached);
    }
    return cached.score;
  }

  /** Forgets cached head scores (after a product's weights change). */
  forgetScores(): void {
    this.scoreCache.clear();
  }
}

function better(current: Candidate | undefined, candidate: Candidate): Candidate {
  if (current === undefined) return candidate;
  if (candidate.score !== current.score) return candidate.score > current.score ? candidate : current;
  if (candidate.job.queuedAt !== current.job.queuedAt) return candidate.job.queuedAt < current.job.queuedAt ? candidate : current;
  return candidate.job.id < current.job.id ? candidate : current;
}

export function toScorableJob(job: JobDoc): ScorableJob {
  return {
    id: job.id,
    productId: job.productId,
    priority: job.priority,
    capabilities: job.capabilities,
    queuedAt: job.queuedAt,
    retries: job.retries,
  };
}
