// Azure Container Apps: the environment (logs to Log Analytics), the coordinator app (API,
// scheduler, reaper, dispatcher, external scaler; two replicas, one leader) with external ingress, and one event-driven
// Container Apps Job per pool scaled by an azure-servicebus rule on the pool's subscription.
param namePrefix string
param location string
param logAnalyticsCustomerId string
param logAnalyticsWorkspaceName string
param coordinatorImage string
param coordinatorIdentityId string
param coordinatorClientId string
param scalerIdentityId string
param poolIdentityIds array
param poolClientIds array
@description('Service Bus namespace name, for the KEDA scale rules (KEDA appends the endpoint suffix).')
param serviceBusNamespaceName string
@description('Service Bus host (<name>.servicebus.windows.net), for the SDKs in the containers.')
param serviceBusFqdn string
param cosmosEndpoint string
@description('Blob Storage for attempts\' logs and files (https://<account>.blob.core.windows.net/), reached with managed identity.')
param artifactsAccountUrl string
param artifactRetentionDays int
param topicName string
param pools array
@description('Coordinator replicas: one leads, the others forward to it and take over when it goes (docs/adr/0007).')
@minValue(1)
param coordinatorReplicas int = 2
@description('The leadership lease in ms: at most a third of the shortest pool lease (the coordinator refuses to start otherwise).')
param leaderLeaseMs int = 15000
@secure()
@description('Per pool name, the enrollment token its containers exchange for their own factory token (POST /fleet/enrollment-tokens without maxUses).')
param poolEnrollmentTokens object

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logAnalyticsCustomerId, sharedKey: workspace.listKeys().primarySharedKey }
    }
  }
}

resource coordinator 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-coordinator'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${coordinatorIdentityId}': {} } }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      ingress: { external: true, targetPort: 8080, transport: 'auto' }
    }
    template: {
      containers: [
        {
          name: 'coordinator'
          image: coordinatorImage
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: [
            // The ingress is one proxy hop: per-address limits must see the caller behind it.
            { name: 'TRUST_PROXY_HOPS', value: '1' }
            { name: 'STORE', value: 'cosmos' }
            { name: 'COSMOS_ENDPOINT', value: cosmosEndpoint }
            { name: 'AZURE_CLIENT_ID', value: coordinatorClientId }
            { name: 'SERVICEBUS_NAMESPACE', value: serviceBusFqdn }
            { name: 'ARTIFACTS_ACCOUNT_URL', value: artifactsAccountUrl }
            { name: 'ARTIFACT_RETENTION_DAYS', value: string(artifactRetentionDays) }
            { name: 'HOST', value: '0.0.0.0' }
            // Two replicas, one leader (docs/adr/0007): the leader schedules, relays and reaps; the
            // other forwards every request to it and takes over within the lease. Each replica is
            // reached by the others at its own address (the first non-loopback IPv4) and port 8080.
            { name: 'LEADER_ELECTION', value: 'on' }
            { name: 'LEADER_LEASE_MS', value: string(leaderLeaseMs) }
          ]
          probes: [
            { type: 'Liveness', httpGet: { path: '/healthz', port: 8080 } }
            { type: 'Readiness', httpGet: { path: '/readyz', port: 8080 } }
          ]
        }
      ]
      // Exactly two: one leads, one stands by warm; more would only add followers.
      scale: { minReplicas: coordinatorReplicas, maxReplicas: coordinatorReplicas }
    }
  }
}

resource poolJobs 'Microsoft.App/jobs@2024-03-01' = [for (pool, i) in pools: {
  name: '${namePrefix}-pool-${pool.name}'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${poolIdentityIds[i]}': {}, '${scalerIdentityId}': {} } }
  properties: {
    environmentId: environment.id
    configuration: {
      triggerType: 'Event'
      // The pool's enrollment token, a platform secret: every container enrolls with it at start.
      secrets: [{ name: 'enrollment-token', value: poolEnrollmentTokens[pool.name] }]
      replicaTimeout: 86400
      replicaRetryLimit: 0
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: 0
          maxExecutions: pool.maxReplicas
          pollingInterval: pool.pollingInterval
          rules: [
            {
              name: 'subscription-depth'
              type: 'azure-servicebus'
              metadata: {
                topicName: topicName
                subscriptionName: pool.subscriptionName
                namespace: serviceBusNamespaceName
                messageCount: string(pool.messageCount)
                activationMessageCount: string(pool.activationMessageCount)
              }
              identity: scalerIdentityId
            }
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'factory-agent'
          image: pool.image
          resources: { cpu: json(pool.cpu), memory: pool.memory }
          env: [
            { name: 'POOL', value: pool.name }
            { name: 'SUBSCRIPTION', value: pool.subscriptionName }
            { name: 'TOPIC', value: topicName }
            { name: 'MODE', value: 'one-shot' }
            { name: 'SEATS', value: string(pool.seats) }
            { name: 'SERVICEBUS_NAMESPACE', value: serviceBusFqdn }
            { name: 'AZURE_CLIENT_ID', value: poolClientIds[i] }
            { name: 'ARTIFACTS_ACCOUNT_URL', value: artifactsAccountUrl }
            { name: 'COORDINATOR_URL', value: 'https://${coordinator.properties.configuration.ingress.fqdn}' }
            { name: 'ENROLLMENT_TOKEN', secretRef: 'enrollment-token' }
          ]
        }
      ]
    }
  }
}]

output coordinatorUrl string = 'https://${coordinator.properties.configuration.ingress.fqdn}'
