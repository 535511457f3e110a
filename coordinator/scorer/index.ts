/**
 * The pure scorer: which queued job runs next (scoreJob) and on which pool (choosePool), and why
 * (explainJob). Every input, time included, is an argument; nothing here reads a clock, draws a
 * random number, starts a timer or does I/O, so the scheduler and the simulator get identical
 * decisions from identical inputs.
 */
export { type ExplainJobOptions, explainJob, type JobExplanation, type PoolExplanation } from "./explain.js";
export {
  capabilityBonusOf,
  DEFAULT_STARVATION_AFTER_MS,
  type JobScore,
  type ScorableJob,
  type ScoreContext,
  type ScoreTerms,
  scoreJob,
  sumTerms,
} from "./job-score.js";
export {
  type ChoosePoolOptions,
  choosePool,
  DEFAULT_POOL_WEIGHTS,
  eligiblePools,
  hasHeadroom,
  isEligible,
  missingCapabilities,
  type PoolChoice,
  type PoolChoiceWeights,
  type PoolExclusion,
  type PoolRanking,
  poolExclusions,
  rankPool,
  resolvePoolWeights,
  type ScorablePool,
} from "./pool-choice.js";
export {
  DEFAULT_WEIGHTS,
  ProductWeightRegistry,
  type ResolvedWeights,
  type ResolveWeightsOptions,
  resolveWeights,
  ScoreWeights,
  ScoreWeightsPatch,
  WEIGHT_FIELDS,
  type WeightSource,
} from "./weights.js";
export {
  chargedPass,
  DEFAULT_SHARE,
  effectivePass,
  type FairnessTerm,
  type FairShareCandidate,
  fairnessTermOf,
  pickFairShare,
} from "./fair-share.js";
export { type ChooseVictimOptions, chooseVictim, type PreemptionCandidate, type VictimChoice, type VictimExclusion, victimExclusions } from "./preemption-victim.js";
