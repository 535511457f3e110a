import { formatIsoDuration } from "../../contracts/iso-duration.js";
import { subscriptionNameFor, type Topology } from "../../contracts/index.js";
import { COLLECTIONS, CONTAINER_TTL_SECONDS, PARTITION_KEYS } from "../../store/port.js";
import { serviceBusNamespaceNameProblem } from "../../keda/service-bus-namespace.js";

export interface BicepDeploymentOptions {
  /** The Service Bus namespace name (globally unique); KEDA's scale rules name the same namespace. */
  serviceBusNamespaceName: string;
}

/** The ARM deployment parameters for main.bicep, derived from the topology, the store port and the
 * deployment's names. */
export function buildBicepParameters(topology: Topology, deployment: BicepDeploymentOptions) {
  const problem = serviceBusNamespaceNameProblem(deployment.serviceBusNamespaceName);
  if (problem !== undefined) throw new Error(`Bicep parameter serviceBusNamespaceName: ${problem}`);
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
    contentVersion: "1.0.0.0",
    parameters: {
      serviceBusNamespaceName: { value: deployment.serviceBusNamespaceName },
      topicName: { value: topology.topic },
      duplicateDetectionWindow: { value: formatIsoDuration(topology.duplicateDetectionWindowSeconds * 1000) },
      pools: {
        value: topology.pools.map((pool) => ({
          name: pool.name,
          subscriptionName: subscriptionNameFor(pool.name),
          filterPool: pool.name,
          image: pool.image,
          workload: pool.workload,
          trigger: pool.trigger,
          lockDuration: formatIsoDuration(pool.lockDurationSeconds * 1000),
          maxDeliveryCount: pool.maxDeliveryCount,
          messageCount: pool.messageCount,
          activationMessageCount: pool.activationMessageCount,
          minReplicas: pool.minReplicas,
          maxReplicas: pool.maxReplicas,
          seats: pool.seats,
          cpu: cpuCores(pool.resources.cpu),
          memory: pool.resources.memory,
          pollingInterval: pool.pollingIntervalSeconds,
          cooldown: pool.cooldownSeconds,
        })),
      },
      containers: {
        value: COLLECTIONS.map((name) => ({ name, partitionKey: `/${PARTITION_KEYS[name]}`, defaultTtl: CONTAINER_TTL_SECONDS[name] ?? null })),
      },
    },
  };
}

/** "500m" → "0.5"; Container Apps takes cores as a decimal string. */
function cpuCores(cpu: string): string {
  return cpu.endsWith("m") ? String(Number(cpu.slice(0, -1)) / 1000) : cpu;
}
