export interface ScaledObjectInput {
  /** The trigger's metric summed over the target (e.g. active messages or coordinator demand). */
  metric: number;
  /** Target value per replica (AverageValue). */
  target: number;
  activationThreshold: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  currentReplicas: number;
  now: number;
  /** When the trigger was last active (undefined: never). */
  lastActiveAt: number | undefined;
  cooldownMs: number;
  /** The HPA's tolerance: no change while |ratio - 1| <= tolerance (Kubernetes default 0.1). */
  tolerance?: number;
}

export interface ScaledObjectDecision {
  isActive: boolean;
  desiredReplicas: number;
  reason: "activate" | "hpa" | "cooldown" | "scale-to-zero" | "min";
}

/**
 * The ScaledObject path: KEDA activates 0 → 1 when the metric exceeds the activation threshold and
 * returns to zero only after `cooldownPeriod` without activity; between 1 and N the HPA sets
 * desired = ceil(current * metric / (target * current)) = ceil(metric / target) for an AverageValue
 * target, skipped within the tolerance, clamped to [max(min, 1), max].
 */
export function decideScaledObject(input: ScaledObjectInput): ScaledObjectDecision {
  const isActive = input.metric > input.activationThreshold;
  const floor = Math.max(input.minReplicaCount, 0);
  if (!isActive) {
    if (input.currentReplicas === 0 || floor > 0) return { isActive, desiredReplicas: Math.max(floor, Math.min(input.currentReplicas, floor)), reason: "min" };
    const inCooldown = input.lastActiveAt !== undefined && input.now - input.lastActiveAt < input.cooldownMs;
    if (inCooldown) return { isActive, desiredReplicas: input.currentReplicas, reason: "cooldown" };
    return { isActive, desiredReplicas: floor, reason: "scale-to-zero" };
  }
  if (input.currentReplicas === 0) {
    return { isActive, desiredReplicas: Math.min(input.maxReplicaCount, Math.max(1, floor, Math.ceil(input.metric / input.target))), reason: "activate" };
  }
  const tolerance = input.tolerance ?? 0.1;
  const ratio = input.metric / (input.target * input.currentReplicas);
  let desired = Math.abs(ratio - 1) <= tolerance ? input.currentReplicas : Math.ceil(input.metric / input.target);
  desired = Math.min(input.maxReplicaCount, Math.max(1, floor, desired));
  return { isActive, desiredReplicas: desired, reason: "hpa" };
}
