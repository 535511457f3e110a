import type { ScalingStrategy } from "../../contracts/index.js";

export interface ScaledJobInput {
  /** The trigger's metric (for azure-servicebus: ActiveMessageCount of the subscription). */
  queueLength: number;
  /** messageCount: target messages per job. */
  targetAverageValue: number;
  /** activationMessageCount: active only above this. */
  activationThreshold: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  /** Jobs not finished yet (running or pending). */
  runningJobCount: number;
  /** Jobs whose pod is not running or completed yet. */
  pendingJobCount: number;
  strategy: ScalingStrategy;
  customScalingQueueLengthDeduction?: number;
  customScalingRunningJobPercentage?: number;
}

export interface ScaledJobDecision {
  isActive: boolean;
  /** ceil(queueLength): KEDA's "scaleTo" before the strategy. */
  scaleTo: number;
  /** ceil(min(queueLength / target, maxReplicaCount)). */
  maxScale: number;
  effectiveMaxScale: number;
  /** New jobs to create this polling interval. */
  jobsToCreate: number;
}

/**
 * KEDA's ScaledJob decision for one trigger, as KEDA 2.x computes it (pkg/scaling/scaledjob and
 * pkg/scaling/executor/scale_jobs.go): maxScale = ceil(min(queue / target, max)); the strategy
 * turns it into an effective maximum; jobs created = min(scaleTo, effective) when active.
 * Below minReplicaCount running jobs, KEDA tops up to the minimum first.
 */
export function decideScaledJob(input: ScaledJobInput): ScaledJobDecision {
  const isActive = input.queueLength > input.activationThreshold || input.minReplicaCount > 0;
  const queueLength = isActive ? input.queueLength : 0;
  const average = input.targetAverageValue === 0 ? 0 : queueLength / input.targetAverageValue;
  const maxScale = Math.ceil(Math.min(average, input.maxReplicaCount));
  let scaleTo = Math.ceil(queueLength);
  let effectiveMaxScale: number;
  if (input.runningJobCount < input.minReplicaCount) {
    scaleTo = input.minReplicaCount - input.runningJobCount;
    effectiveMaxScale = scaleTo;
  } else {
    const running = input.runningJobCount - input.minReplicaCount;
    [effectiveMaxScale, scaleTo] = getEffectiveMaxScale(input, maxScale, running, input.pendingJobCount, input.maxReplicaCount, scaleTo);
  }
  if (effectiveMaxScale < 0) effectiveMaxScale = 0;
  const jobsToCreate = isActive && effectiveMaxScale > 0 ? Math.min(scaleTo, effectiveMaxScale) : 0;
  return { isActive, scaleTo, maxScale, effectiveMaxScale, jobsToCreate };
}

/** KEDA's per-strategy effective maximum: returns [effectiveMaxScale, scaleTo]. A custom strategy
 * without both parameters behaves as the default one, as in KEDA. */
export function getEffectiveMaxScale(
  strategy: Pick<ScaledJobInput, "strategy" | "customScalingQueueLengthDeduction" | "customScalingRunningJobPercentage">,
  maxScale: number,
  running: number,
  pending: number,
  maxReplicas: number,
  scaleTo: number,
): [number, number] {
  switch (strategy.strategy) {
    case "custom": {
      const deduction = strategy.customScalingQueueLengthDeduction;
      const percentage = strategy.customScalingRunningJobPercentage;
      if (deduction === undefined || percentage === undefined) return [maxScale - running, scaleTo];
      // Go's int64(float64) truncates toward zero.
      return [Math.min(maxScale - deduction - Math.trunc(running * percentage), maxReplicas), scaleTo];
    }
    case "accurate":
      if (maxScale + running > maxReplicas) return [maxReplicas - running, scaleTo];
      return [maxScale - pending, scaleTo];
    case "eager":
      return [Math.min(maxReplicas - running - pending, maxScale), maxReplicas];
    default:
      return [maxScale - running, scaleTo];
  }
}
