import { ScaledJob, ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { subscriptionNameFor, type PoolDefinition, type Topology } from "../contracts/index.js";
import { kedaServiceBusNamespaceMetadata, serviceBusHost } from "./service-bus-namespace.js";

export interface KedaManifestOptions {
  namespace: string;
  /** host:port of the coordinator's external push scaler (KEDA externalscaler.proto). */
  coordinatorScalerAddress: string;
  /** The Service Bus namespace NAME, e.g. fleet-dispatch (not its host): the Bicep parameter
   * `serviceBusNamespaceName` and the `namespace` of KEDA's azure-servicebus trigger. */
  serviceBusNamespaceName: string;
  /** The cloud's Service Bus endpoint suffix; servicebus.windows.net (public cloud) when absent. */
  serviceBusEndpointSuffix?: string;
  /** Client id of the pool's user-assigned identity (workload identity); one per pool. */
  identityClientId: (pool: string) => string;
  /** Client id of the identity KEDA uses to read subscription depth (Data Owner on the topic only). */
  scalerClientId: string;
  coordinatorUrl: string;
}

/** A Kubernetes object as written to YAML. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

/**
 * Per pool: a TriggerAuthentication (Azure workload identity) and a ScaledJob or a ScaledObject plus
 * its Deployment, with an `azure-servicebus` trigger on topic/subscription or an `external-push`
 * trigger on the coordinator. Field names follow the KEDA 2.16 ScaledJob/ScaledObject
 * specifications and the azure-servicebus and external-push scaler docs. Every KEDA object is
 * built with @kubernetes-models/keda and validated by it (validate() throws on a bad field).
 */
export function buildKedaManifests(topology: Topology, options: KedaManifestOptions): Manifest[] {
  return topology.pools.flatMap((pool) => poolManifests(topology, pool, options));
}

function poolManifests(topology: Topology, pool: PoolDefinition, options: KedaManifestOptions): Manifest[] {
  const name = `factory-${pool.name}`;
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "fleet-dispatch", "fleet-dispatch/pool": pool.name };
  const auth = new TriggerAuthentication({
    metadata: { name: `${name}-servicebus`, namespace: options.namespace, labels },
    spec: { podIdentity: { provider: "azure-workload", identityId: options.scalerClientId } },
  });
  const trigger: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } } =
    pool.trigger === "external-push"
      ? { type: "external-push", metadata: { scalerAddress: options.coordinatorScalerAddress, pool: pool.name, targetSize: String(pool.messageCount) } }
      : {
          type: "azure-servicebus",
          metadata: {
            topicName: topology.topic,
            subscriptionName: subscriptionNameFor(pool.name),
            ...kedaServiceBusNamespaceMetadata(options.serviceBusNamespaceName, options.serviceBusEndpointSuffix),
            messageCount: String(pool.messageCount),
            activationMessageCount: String(pool.activationMessageCount),
          },
          authenticationRef: { name: `${name}-servicebus` },
        };
  const container = {
    name: "factory-agent",
    image: pool.image,
    env: [
      { name: "POOL", value: pool.name },
      { name: "SUBSCRIPTION", value: subscriptionNameFor(pool.name) },
      { name: "TOPIC", value: topology.topic },
      { name: "COORDINATOR_URL", value: options.coordinatorUrl },
      // The agent's SDK connects to the fully qualified host.
      { name: "SERVICEBUS_NAMESPACE", value: serviceBusHost(options.serviceBusNamespaceName, options.serviceBusEndpointSuffix) },
      { name: "SEATS", value: String(pool.seats) },
      { name: "MODE", value: pool.workload === "scaledJob" ? "one-shot" : "serve" },
      ...enrollmentEnv(name),
    ],
    resources: { requests: { cpu: pool.resources.cpu, memory: pool.resources.memory }, limits: { memory: pool.resources.memory } },
  };
  const podLabels = { ...labels, "azure.workload.identity/use": "true" };
  if (pool.workload === "scaledJob") {
    const job = new ScaledJob({
      metadata: { name, namespace: options.namespace, labels },
      spec: {
        jobTargetRef: {
          parallelism: 1,
          completions: 1,
          backoffLimit: 0,
          template: {
            metadata: { labels: podLabels },
            spec: { serviceAccountName: name, restartPolicy: "Never", containers: [container] },
          },
        },
        pollingInterval: pool.pollingIntervalSeconds,
        successfulJobsHistoryLimit: pool.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: pool.failedJobsHistoryLimit,
        minReplicaCount: pool.minReplicas,
        maxReplicaCount: pool.maxReplicas,
        scalingStrategy: {
          strategy: pool.scalingStrategy,
          ...(pool.customScalingQueueLengthDeduction === undefined ? {} : { customScalingQueueLengthDeduction: pool.customScalingQueueLengthDeduction }),
          ...(pool.customScalingRunningJobPercentage === undefined ? {} : { customScalingRunningJobPercentage: String(pool.customScalingRunningJobPercentage) }),
        },
        triggers: [trigger],
      },
    });
    job.validate();
    auth.validate();
    return [serviceAccount(name, options, pool), plain(auth), plain(job)];
  }
  const deployment: Manifest = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      replicas: pool.minReplicas,
      selector: { matchLabels: { "fleet-dispatch/pool": pool.name } },
      template: {
        metadata: { labels: podLabels },
        // Long enough for the agent to checkpoint and release its leases on SIGTERM.
        spec: { serviceAccountName: name, terminationGracePeriodSeconds: 60, containers: [container] },
      },
    },
  };
  const scaled = new ScaledObject({
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: pool.pollingIntervalSeconds,
      cooldownPeriod: pool.cooldownSeconds,
      minReplicaCount: pool.minReplicas,
      maxReplicaCount: pool.maxReplicas,
      triggers: [trigger],
    },
  });
  scaled.validate();
  auth.validate();
  return [serviceAccount(name, options, pool), plain(auth), deployment, plain(scaled)];
}

/**
 * How a pod gets its credentials: the pool's enrollment token from the secret
 * `factory-<pool>-enrollment` (key `token`), exchanged at start for a token of its own bound to
 * its pod name, which becomes its factory id. A static pool token (`factory-<pool>-token`) is
 * still read when it exists, for clusters that have not moved to enrollment yet.
 */
type EnvVar =
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } }
  | { name: string; valueFrom: { fieldRef: { fieldPath: string } } };

function enrollmentEnv(name: string): EnvVar[] {
  return [
    { name: "ENROLLMENT_TOKEN", valueFrom: { secretKeyRef: { name: `${name}-enrollment`, key: "token" } } },
    { name: "FACTORY_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "FACTORY_TOKEN", valueFrom: { secretKeyRef: { name: `${name}-token`, key: "token", optional: true } } },
  ];
}

function serviceAccount(name: string, options: KedaManifestOptions, pool: PoolDefinition): Manifest {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    // Workload identity: the pod's token is exchanged for the pool's user-assigned identity.
    metadata: {
      name,
      namespace: options.namespace,
      labels: { "fleet-dispatch/pool": pool.name },
      annotations: { "azure.workload.identity/client-id": options.identityClientId(pool.name) },
    },
  };
}

function plain(model: { toJSON(): unknown }): Manifest {
  return JSON.parse(JSON.stringify(model.toJSON())) as Manifest;
}
