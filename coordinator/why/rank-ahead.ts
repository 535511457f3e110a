import { type ScorableJob, type ScoreWeights, scoreJob } from "../scorer/index.js";

/** A ready job as the scheduler ranks it: its scorable facts and the pools that can run it, best
 * fitting first (the scheduler scores against the first). */
export interface RankedCandidate {
  job: ScorableJob;
  capablePools: readonly { name: string; capabilities: readonly string[] }[];
}

export interface RankOptions {
  now: number;
  starvationAfterMs: number;
  weightsFor: (productId: string) => ScoreWeights;
}

/**
 * How many ready jobs the scheduler would pick before `subject`: those that can use one of the
 * same pools and score higher, or equal and queued earlier, or equal and older by id: the
 * scheduler's own order (scheduler/scheduler.ts selectNext). Linear in the ready jobs: an
 * operator's question, never asked on the assignment path.
 */
export function rankAhead(subject: RankedCandidate, competitors: Iterable<RankedCandidate>, options: RankOptions): number {
  const mine = scoreOf(subject, options);
  const pools = new Set(subject.capablePools.map((pool) => pool.name));
  let ahead = 0;
  for (const other of competitors) {
    if (other.job.id === subject.job.id) continue;
    if (!other.capablePools.some((pool) => pools.has(pool.name))) continue;
    const score = scoreOf(other, options);
    if (score > mine || (score === mine && (other.job.queuedAt < subject.job.queuedAt || (other.job.queuedAt === subject.job.queuedAt && other.job.id < subject.job.id)))) {
      ahead++;
    }
  }
  return ahead;
}

function scoreOf(candidate: RankedCandidate, options: RankOptions): number {
  const pool = candidate.capablePools[0];
  return scoreJob(candidate.job, pool, { now: options.now, weights: options.weightsFor(candidate.job.productId), starvationAfterMs: options.starvationAfterMs }).total;
}
