import { DEFAULT_STARVATION_AFTER_MS, type JobScore, type ScorableJob, scoreJob } from "./job-score.js";
import {
  choosePool,
  hasHeadroom,
  isEligible,
  type PoolChoiceWeights,
  type PoolExclusion,
  type PoolRanking,
  poolExclusions,
  resolvePoolWeights,
  type ScorablePool,
} from "./pool-choice.js";
import { DEFAULT_WEIGHTS, type ResolvedWeights, resolveWeights, type ScoreWeights, type ScoreWeightsPatch } from "./weights.js";

export interface ExplainJobOptions {
  now: number;
  /** Whose registry entry applies; defaults to the job's own product. */
  productId?: string;
  override?: ScoreWeightsPatch;
  productRegistry?: Readonly<Record<string, ScoreWeightsPatch>>;
  /** Pass the scheduler's value, or the explanation will not match what the scheduler does. */
  starvationAfterMs?: number;
  poolWeights?: Partial<PoolChoiceWeights>;
}

export interface PoolExplanation {
  pool: string;
  /** Passes the hard filter (capabilities superset, not paused, not down). */
  eligible: boolean;
  hasHeadroom: boolean;
  /** Everything keeping the pool from taking the job now; empty exactly when it is a candidate. */
  exclusions: PoolExclusion[];
  /** The job's score against this pool; null when the pool fails the hard filter. */
  score: JobScore | null;
  /** The pool's placement score; null unless it is a candidate (eligible with headroom). */
  ranking: PoolRanking | null;
  chosen: boolean;
}

/** The job's id is not repeated here: the route already names it and adds it next to the stage. */
export interface JobExplanation {
  productId: string;
  now: number;
  starvationAfterMs: number;
  weights: ResolvedWeights & {
    /** The levels that were merged, so a reader can see what each one asked for. */
    layers: { override: ScoreWeightsPatch | null; product: ScoreWeightsPatch | null; defaults: ScoreWeights };
  };
  poolWeights: PoolChoiceWeights;
  /** In the order the pools were given. */
  pools: PoolExplanation[];
  chosenPool: string | null;
  /** Candidates best first, as choosePool ranked them. */
  ranking: PoolRanking[];
}

/**
 * Every term behind a job's placement, for `GET /fleet/jobs/:id/explain`: the resolved weights and
 * which level each came from, the job's score against each eligible pool, every reason each other
 * pool is out, and where the job would go at `now`. Plain JSON (no undefined, no class instances).
 * Built from the same functions the scheduler calls, so it cannot drift from what actually happens.
 */
export function explainJob(job: ScorableJob, pools: readonly ScorablePool[], options: ExplainJobOptions): JobExplanation {
  const productId = options.productId ?? job.productId;
  const resolved = resolveWeights({
    productId,
    ...(options.override === undefined ? {} : { override: options.override }),
    ...(options.productRegistry === undefined ? {} : { productRegistry: options.productRegistry }),
  });
  const starvationAfterMs = options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS;
  const scoreCtx = { now: options.now, weights: resolved.weights, starvationAfterMs };
  const poolWeights = resolvePoolWeights(options.poolWeights);
  const choice = choosePool(job, pools, { weights: poolWeights });
  const ranking = choice?.ranking ?? [];
  const chosenPool = choice?.pool.name ?? null;
  return {
    productId,
    now: options.now,
    starvationAfterMs,
    weights: {
      ...resolved,
      layers: {
        override: definedFieldsOrNull(options.override),
        product: definedFieldsOrNull(options.productRegistry?.[productId]),
        defaults: { ...DEFAULT_WEIGHTS },
      },
    },
    poolWeights,
    pools: pools.map((pool) => {
      const eligible = isEligible(job.capabilities, pool);
      return {
        pool: pool.name,
        eligible,
        hasHeadroom: hasHeadroom(pool),
        exclusions: poolExclusions(job.capabilities, pool),
        score: eligible ? scoreJob(job, pool, scoreCtx) : null,
        ranking: ranking.find((entry) => entry.pool === pool.name) ?? null,
        chosen: choice?.pool === pool,
      };
    }),
    chosenPool,
    ranking,
  };
}

/** A copy without undefined-valued fields, so the JSON shows exactly what the level set. */
function definedFieldsOrNull(patch: ScoreWeightsPatch | undefined): ScoreWeightsPatch | null {
  if (patch === undefined) return null;
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}
