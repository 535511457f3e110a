import { describe, expect, it } from "vitest";
import { decideScaledJob, getEffectiveMaxScale } from "./scaled-job-formula.js";
import { decideScaledObject } from "./scaled-object-formula.js";

// Worked examples from KEDA's own tests (pkg/scaling/executor/scale_jobs_test.go), written as
// GetEffectiveMaxScale(maxScale, running, pending, maxReplicaCount, scaleTo).
const eff = (strategy: Parameters<typeof getEffectiveMaxScale>[0], maxScale: number, running: number, pending: number, max: number, scaleTo = 1) =>
  getEffectiveMaxScale(strategy, maxScale, running, pending, max, scaleTo);

describe("KEDA ScaledJob strategies", () => {
  it("default: maxScale - running", () => {
    expect(eff({ strategy: "default" }, 3, 2, 0, 5)[0]).toBe(1);
    expect(eff({ strategy: "default" }, 2, 0, 0, 5)[0]).toBe(2);
  });

  it("custom: min(maxScale - deduction - trunc(running x percentage), max)", () => {
    const custom = { strategy: "custom" as const, customScalingQueueLengthDeduction: 1, customScalingRunningJobPercentage: 0.5 };
    expect(eff(custom, 3, 2, 0, 5)[0]).toBe(1);
    expect(eff(custom, 10, 0, 0, 10)[0]).toBe(9);
    expect(eff({ strategy: "custom" }, 3, 2, 0, 5)[0]).toBe(1);
    expect(eff({ strategy: "custom" }, 2, 0, 0, 5)[0]).toBe(2);
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: 2, customScalingRunningJobPercentage: 0 }, 3, 2, 0, 5)[0]).toBe(1);
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: -2, customScalingRunningJobPercentage: 0 }, 3, 2, 0, 4)[0]).toBe(4);
  });

  it("accurate: counts pending jobs and never exceeds max", () => {
    expect(eff({ strategy: "accurate" }, 3, 2, 0, 5)[0]).toBe(3);
    expect(eff({ strategy: "accurate" }, 5, 2, 0, 5)[0]).toBe(3);
    expect(eff({ strategy: "accurate" }, 3, 4, 2, 10)[0]).toBe(1);
    expect(eff({ strategy: "accurate" }, 5, 4, 2, 5)[0]).toBe(1);
  });

  it("eager: fills free slots up to maxScale and scales to max", () => {
    expect(eff({ strategy: "eager" }, 4, 3, 0, 10)).toEqual([4, 10]);
    expect(eff({ strategy: "eager" }, 4, 0, 3, 10)).toEqual([4, 10]);
    expect(eff({ strategy: "eager" }, 4, 7, 0, 10)).toEqual([3, 10]);
    expect(eff({ strategy: "eager" }, 4, 1, 6, 10)).toEqual([3, 10]);
    expect(eff({ strategy: "eager" }, 15, 0, 0, 10)).toEqual([10, 10]);
  });

  const base = { targetAverageValue: 1, activationThreshold: 0, minReplicaCount: 0, maxReplicaCount: 10, runningJobCount: 0, pendingJobCount: 0, strategy: "default" as const };

  it("tops up to minReplicaCount before any strategy (KEDA's getScalingDecision)", () => {
    expect(decideScaledJob({ ...base, queueLength: 0, minReplicaCount: 2 })).toMatchObject({ effectiveMaxScale: 2, scaleTo: 2, jobsToCreate: 2 });
    expect(decideScaledJob({ ...base, queueLength: 0, minReplicaCount: 2, runningJobCount: 1 })).toMatchObject({ effectiveMaxScale: 1, scaleTo: 1 });
    expect(decideScaledJob({ ...base, queueLength: 2, minReplicaCount: 1, runningJobCount: 1 })).toMatchObject({ effectiveMaxScale: 2, scaleTo: 2 });
  });

  it("maxScale = ceil(min(queue / messageCount, max)); inactive at or below the activation count", () => {
    expect(decideScaledJob({ ...base, queueLength: 7, targetAverageValue: 2 }).maxScale).toBe(4);
    expect(decideScaledJob({ ...base, queueLength: 70, targetAverageValue: 2 }).maxScale).toBe(10);
    expect(decideScaledJob({ ...base, queueLength: 3, activationThreshold: 3 })).toMatchObject({ isActive: false, jobsToCreate: 0 });
  });

  it("over-creates with the stock trigger when locked (running) messages still count: the reason for external-push", () => {
    // 4 jobs running, each holding a locked message that ActiveMessageCount still includes, 1 new message.
    const stock = decideScaledJob({ ...base, queueLength: 5, runningJobCount: 4, strategy: "eager" });
    expect(stock.jobsToCreate).toBe(5);
    // Exact demand (only the new message) creates exactly one.
    const exact = decideScaledJob({ ...base, queueLength: 1, runningJobCount: 4, strategy: "accurate" });
    expect(exact.jobsToCreate).toBe(1);
  });
});

describe("KEDA ScaledObject path", () => {
  const base = { target: 2, activationThreshold: 0, minReplicaCount: 0, maxReplicaCount: 5, now: 100_000, lastActiveAt: undefined, cooldownMs: 30_000 };

  it("activates from zero to ceil(metric / target)", () => {
    expect(decideScaledObject({ ...base, metric: 3, currentReplicas: 0 })).toEqual({ isActive: true, desiredReplicas: 2, reason: "activate" });
  });

  it("scales 1..N by the HPA formula with tolerance, clamped to max", () => {
    expect(decideScaledObject({ ...base, metric: 9, currentReplicas: 2 }).desiredReplicas).toBe(5);
    expect(decideScaledObject({ ...base, metric: 21, currentReplicas: 1 }).desiredReplicas).toBe(5);
    expect(decideScaledObject({ ...base, metric: 4.2, currentReplicas: 2 }).desiredReplicas).toBe(2);
    expect(decideScaledObject({ ...base, metric: 1, currentReplicas: 3 }).desiredReplicas).toBe(1);
  });

  it("waits for the cooldown before scaling to zero", () => {
    expect(decideScaledObject({ ...base, metric: 0, currentReplicas: 2, lastActiveAt: 80_000 }).reason).toBe("cooldown");
    expect(decideScaledObject({ ...base, metric: 0, currentReplicas: 2, lastActiveAt: 60_000 })).toMatchObject({ desiredReplicas: 0, reason: "scale-to-zero" });
    expect(decideScaledObject({ ...base, metric: 0, currentReplicas: 2, lastActiveAt: 60_000, minReplicaCount: 1 }).desiredReplicas).toBe(1);
  });
});
