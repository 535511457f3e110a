import { type JobScore, type ScorableJob, scoreJob } from "./job-score.js";
import { choosePool, ineligibility, type Ineligibility, type PoolRanking, type ScorablePool } from "./pool-choice.js";
import { type ResolvedWeights, resolveWeights, type ScoreWeightsPatch } from "./weights.js";

export interface JobExplanation {
  weights: ResolvedWeights;
  pools: { pool: string; eligible: boolean; why?: Ineligibility; score?: JobScore }[];
  chosenPool: string | null;
  poolRanking: PoolRanking[];
}

/** Every term behind a job's placement: resolved weights (and where each came from), the job's
 * score against each eligible pool, why each other pool is out, and the pool it would go to now. */
export function explainJob(
  job: ScorableJob,
  pools: readonly ScorablePool[],
  ctx: { now: number; productId: string; override?: ScoreWeightsPatch; productRegistry?: Readonly<Record<string, ScoreWeightsPatch>>; starvationAfterMs?: number },
): JobExplanation {
  const weights = resolveWeights({
    productId: ctx.productId,
    ...(ctx.override === undefined ? {} : { override: ctx.override }),
    ...(ctx.productRegistry === undefined ? {} : { productRegistry: ctx.productRegistry }),
  });
  const scoreCtx = { now: ctx.now, weights: weights.weights, ...(ctx.starvationAfterMs === undefined ? {} : { starvationAfterMs: ctx.starvationAfterMs }) };
  const chosen = choosePool(job, pools);
  return {
    weights,
    pools: pools.map((pool) => {
      const why = ineligibility(job.capabilities, pool);
      return why === undefined
        ? { pool: pool.name, eligible: true, score: scoreJob(job, pool, scoreCtx) }
        : { pool: pool.name, eligible: false, why, ...(why.reason === "no-headroom" ? { score: scoreJob(job, pool, scoreCtx) } : {}) };
    }),
    chosenPool: chosen?.pool.name ?? null,
    poolRanking: chosen?.ranking ?? [],
  };
}
