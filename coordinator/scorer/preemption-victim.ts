import { PRIORITY_RANK } from "../../contracts/index.js";
import { type ScorableJob, scoreJob } from "./job-score.js";
import { isEligible, type ScorablePool } from "./pool-choice.js";
import type { ScoreWeights } from "./weights.js";

/** A running job that might make room, with the pool it runs on. */
export interface PreemptionCandidate {
  job: ScorableJob;
  pool: ScorablePool;
  /** When its current attempt started (accept time). */
  startedAt: number;
  /** How often it was preempted before. */
  preemptions: number;
  /** Already asked to make room (pending release). */
  requested: boolean;
}

export interface ChooseVictimOptions {
  now: number;
  weightsFor: (productId: string) => ScoreWeights;
  starvationAfterMs: number;
  /** A job preempted this many times is protected. */
  maxPerJob: number;
}

export type VictimExclusion = "not-lower-priority" | "pool-lacks-capabilities" | "pool-not-full" | "protected" | "already-requested";

export interface VictimChoice {
  victim: PreemptionCandidate;
  score: number;
}

/** Why a running job may not be evicted for `preemptor`; empty when it may. */
export function victimExclusions(preemptor: ScorableJob, candidate: PreemptionCandidate, maxPerJob: number): VictimExclusion[] {
  const reasons: VictimExclusion[] = [];
  if (PRIORITY_RANK[candidate.job.priority] >= PRIORITY_RANK[preemptor.priority]) reasons.push("not-lower-priority");
  if (!isEligible(preemptor.capabilities, candidate.pool)) reasons.push("pool-lacks-capabilities");
  if (candidate.pool.inFlight < candidate.pool.capacity) reasons.push("pool-not-full");
  if (candidate.preemptions >= maxPerJob) reasons.push("protected");
  if (candidate.requested) reasons.push("already-requested");
  return reasons;
}

/**
 * The seed's preemption rule, made exact. Only a critical job preempts. The victim is the
 * lowest-scoring running job of STRICTLY lower priority on a pool that can run the preemptor
 * (capabilities superset, not paused, not down) and is at its seat limit; a job preempted
 * `maxPerJob` times is protected. Ties go to the attempt that started last (the least work
 * lost), then to the smaller id. Undefined when nothing qualifies. Pure.
 */
export function chooseVictim(preemptor: ScorableJob, candidates: readonly PreemptionCandidate[], options: ChooseVictimOptions): VictimChoice | undefined {
  if (preemptor.priority !== "critical") return undefined;
  let best: VictimChoice | undefined;
  for (const candidate of candidates) {
    if (victimExclusions(preemptor, candidate, options.maxPerJob).length > 0) continue;
    const score = scoreJob(candidate.job, candidate.pool, {
      now: options.now,
      weights: options.weightsFor(candidate.job.productId),
      starvationAfterMs: options.starvationAfterMs,
    }).total;
    if (
      best === undefined ||
      score < best.score ||
      (score === best.score &&
        (candidate.startedAt > best.victim.startedAt || (candidate.startedAt === best.victim.startedAt && candidate.job.id < best.victim.job.id)))
    ) {
      best = { victim: candidate, score };
    }
  }
  return best;
}
