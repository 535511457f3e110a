export { explainJob, type JobExplanation } from "./explain.js";
export { capabilityBonusOf, DEFAULT_STARVATION_AFTER_MS, type JobScore, type ScorableJob, type ScoreContext, type ScoreTerms, scoreJob } from "./job-score.js";
export {
  choosePool,
  DEFAULT_POOL_WEIGHTS,
  eligiblePools,
  type Ineligibility,
  ineligibility,
  isEligible,
  type PoolChoiceWeights,
  type PoolRanking,
  rankPool,
  type ScorablePool,
} from "./pool-choice.js";
export { DEFAULT_WEIGHTS, type ResolvedWeights, resolveWeights, type ScoreWeights, ScoreWeightsPatch, type WeightSource } from "./weights.js";
