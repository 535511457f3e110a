import { z } from "zod";
import { Capability, Id } from "./common.js";
import { ProductSchedulingSettings } from "./weights.js";

/** Pool names become subscription names, KEDA object names and Bicep resource names:
 * keep them DNS-label safe. */
export const PoolName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, "pool names are lower-case DNS labels (a-z, 0-9, '-')");

export const ScalingStrategy = z.enum(["default", "custom", "accurate", "eager"]);
export type ScalingStrategy = z.infer<typeof ScalingStrategy>;

export const PoolDefinition = z
  .object({
    name: PoolName,
    description: z.string().max(200).optional(),
    capabilities: z.array(Capability).min(1).max(32),
    image: z.string().min(1).max(300),
    /** Concurrent jobs per factory container. */
    seats: z.number().int().min(1).max(64),
    minReplicas: z.number().int().min(0).max(1000).default(0),
    maxReplicas: z.number().int().min(1).max(1000),
    /** ScaledJob: one container per assignment, runs to completion. ScaledObject: warm agents that drain on SIGTERM. */
    workload: z.enum(["scaledJob", "scaledObject"]),
    scalingStrategy: ScalingStrategy.default("default"),
    /** Only for scalingStrategy=custom (KEDA's customScalingQueueLengthDeduction / customScalingRunningJobPercentage). */
    customScalingQueueLengthDeduction: z.number().int().min(0).optional(),
    customScalingRunningJobPercentage: z.number().min(0).max(1).optional(),
    /** Which KEDA trigger scales the pool: the stock Service Bus trigger or the coordinator's external push scaler. */
    trigger: z.enum(["azure-servicebus", "external-push"]).default("azure-servicebus"),
    /** Target messages per replica (KEDA `messageCount`). */
    messageCount: z.number().int().min(1).default(1),
    /** KEDA `activationMessageCount`: scale from 0 only above this. */
    activationMessageCount: z.number().int().min(0).default(0),
    lockDurationSeconds: z.number().int().min(5).max(300).default(60),
    maxDeliveryCount: z.number().int().min(1).max(2000).default(5),
    pollingIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    cooldownSeconds: z.number().int().min(0).max(86_400).default(300),
    /** How long an assignment may wait for a factory to accept it before the coordinator requeues it. */
    acceptTimeoutSeconds: z.number().int().min(5).max(86_400).default(600),
    /** Lease length once accepted; the agent renews at a third of it. */
    leaseSeconds: z.number().int().min(5).max(3600).default(120),
    /** Relative cost of one seat-hour; pool choice prefers cheaper pools among equals. */
    costPerHour: z.number().nonnegative().default(1),
    resources: z
      .object({ cpu: z.string().default("500m"), memory: z.string().default("1Gi") })
      .strict()
      .default({ cpu: "500m", memory: "1Gi" }),
    successfulJobsHistoryLimit: z.number().int().min(0).max(100).default(5),
    failedJobsHistoryLimit: z.number().int().min(0).max(100).default(10),
  })
  .strict()
  .superRefine((pool, ctx) => {
    if (pool.minReplicas > pool.maxReplicas) {
      ctx.addIssue({ code: "custom", path: ["minReplicas"], message: "minReplicas must not exceed maxReplicas" });
    }
    if (pool.workload === "scaledJob" && pool.minReplicas > 0) {
      ctx.addIssue({ code: "custom", path: ["minReplicas"], message: "a scaledJob pool starts at zero; use workload scaledObject for warm replicas" });
    }
  });
export type PoolDefinition = z.infer<typeof PoolDefinition>;

export const Topology = z
  .object({
    /** Service Bus topic every assignment is published to. */
    topic: z.string().min(1).max(260).default("assignments"),
    duplicateDetectionWindowSeconds: z.number().int().min(20).max(7 * 86_400).default(600),
    /** Per-product fair shares and score weights (the API can override them per product). */
    products: z.record(Id, ProductSchedulingSettings).default({}),
    /** Critical work makes room on a full pool by preempting lower-priority running jobs. */
    preemption: z
      .object({
        enabled: z.boolean().default(true),
        /** A job preempted this many times is protected from further preemption. */
        maxPerJob: z.number().int().min(0).max(100).default(2),
      })
      .strict()
      .default({ enabled: true, maxPerJob: 2 }),
    pools: z.array(PoolDefinition).min(1).max(100),
  })
  .strict()
  .superRefine((topology, ctx) => {
    const seen = new Set<string>();
    topology.pools.forEach((pool, index) => {
      if (seen.has(pool.name)) {
        ctx.addIssue({ code: "custom", path: ["pools", index, "name"], message: `duplicate pool name '${pool.name}'` });
      }
      seen.add(pool.name);
    });
  });
export type Topology = z.infer<typeof Topology>;

/** The subscription a pool consumes from. One place decides the naming for the broker, KEDA and Bicep. */
export function subscriptionNameFor(pool: string): string {
  return pool;
}
