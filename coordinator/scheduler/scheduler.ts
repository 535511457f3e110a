import type { JobDoc } from "../../contracts/index.js";
import { assignJob } from "../lifecycle/assign-job.js";
import { choosePool, scoreJob, type ScorableJob, type ScoreWeights } from "../scorer/index.js";
import { canTakeWork, type PoolRegistry, type PoolRuntime, toScorable } from "../pools/pool-registry.js";
import type { ReadyIndex } from "./ready-index.js";

export interface SchedulerOptions {
  weightsFor: (productId: string) => ScoreWeights;
  starvationAfterMs: number;
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
}

/**
 * Picks what runs next and where, and commits each assignment with one conditional write.
 * Selection: among the head of every ready bucket that some capable pool has room for, the highest
 * score wins (ties: older, then smaller id); the pool is then chosen among the capable pools with
 * headroom by fit, headroom, cost and health.
 */
export class Scheduler {
  constructor(
    private readonly jobs: SchedulerJobs,
    private readonly ready: ReadyIndex,
    private readonly pools: PoolRegistry,
    private readonly options: SchedulerOptions,
  ) {}

  /** Head scores are cached per bucket for one `now`: a head's score changes only with time or
   * when the head itself changes, so a pass over the buckets is a comparison of numbers. */
  private scoreCache = new Map<string, { id: string; now: number; score: number }>();

  selectNext(now: number): Selection | undefined {
    let best: { job: JobDoc; score: number; capable: PoolRuntime[] } | undefined;
    for (const { bucket, id } of this.ready.heads()) {
      const capable = this.pools.capableOf(bucket.capabilityKey, bucket.capabilities);
      if (!capable.some(canTakeWork)) continue;
      const job = this.jobs.cached(id);
      if (job === undefined || job.stage !== "queued") {
        this.ready.remove(id);
        continue;
      }
      let cached = this.scoreCache.get(bucket.key);
      if (cached === undefined || cached.id !== id || cached.now !== now) {
        const ctx = { now, weights: this.options.weightsFor(job.productId), starvationAfterMs: this.options.starvationAfterMs };
        // Rank against the best-fitting capable pool, so a job's rank does not depend on which
        // pool happens to have room right now.
        cached = { id, now, score: scoreJob(toScorableJob(job), toScorable(capable[0]!), ctx).total };
        this.scoreCache.set(bucket.key, cached);
      }
      const score = cached.score;
      if (
        best === undefined ||
        score > best.score ||
        (score === best.score && (job.queuedAt < best.job.queuedAt || (job.queuedAt === best.job.queuedAt && job.id < best.job.id)))
      ) {
        best = { job, score, capable };
      }
    }
    if (best === undefined) return undefined;
    const choice = choosePool(toScorableJob(best.job), best.capable.filter(canTakeWork).map(toScorable));
    if (choice === undefined) return undefined;
    const pool = this.pools.get(choice.pool.name);
    if (pool === undefined) return undefined;
    return { job: best.job, pool, score: best.score };
  }

  /** Assigns ready jobs until no capable pool has room or `limit` is reached. Returns the count. */
  async assignReady(now: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let assigned = 0;
    while (assigned < limit) {
      const selection = this.selectNext(now);
      if (selection === undefined) break;
      const { job, pool } = selection;
      // Take it out of the index first: the commit listener would too, but a failed write must
      // not leave the scheduler spinning on the same job.
      this.ready.remove(job.id);
      try {
        const next = await this.jobs.commit(job.id, (current) =>
          current.stage === "queued" ? assignJob(current, { pool: pool.definition.name, acceptTimeoutMs: pool.definition.acceptTimeoutSeconds * 1000 }, now) : current,
        );
        if (next.stage === "assigned") assigned++;
      } catch (error) {
        // Put it back so it is not lost from the index; the caller sees the error and backs off.
        const current = this.jobs.cached(job.id);
        if (current?.stage === "queued") this.ready.add(current);
        throw error;
      }
    }
    return assigned;
  }
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
