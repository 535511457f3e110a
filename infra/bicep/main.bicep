// Fleet Dispatch on Azure: Service Bus, Cosmos DB, Blob Storage for attempts' logs and files,
// identities with least-privilege roles, Log Analytics, and the compute (Azure Container Apps by
// default, or AKS with the KEDA add-on).
// Deploy with the generated parameters:
//   az deployment group create -g <rg> -f infra/bicep/main.bicep -p infra/bicep/generated/main.parameters.json
targetScope = 'resourceGroup'

@description('Prefix for every resource name.')
param namePrefix string = 'fleet'
param location string = resourceGroup().location

@allowed(['Standard', 'Premium'])
@description('Service Bus tier. Standard supports topics and duplicate detection; Premium adds isolation.')
param serviceBusSku string = 'Standard'

@description('true: Cosmos DB serverless; false: provisioned throughput (autoscale) on the database.')
param cosmosServerless bool = true
param cosmosMaxThroughput int = 4000

@allowed(['containerApps', 'aks'])
param computeTarget string = 'containerApps'

param coordinatorImage string = 'fleetdispatch.azurecr.io/fleet-coordinator:latest'
@description('Coordinator replicas (Container Apps): one leader, the others take over within the leadership lease.')
@minValue(1)
param coordinatorReplicas int = 2
@description('Leadership lease of the coordinator replicas, in ms (at most a third of the shortest pool lease).')
param leaderLeaseMs int = 15000

@description('Topic every assignment is published to.')
param topicName string = 'assignments'
@description('ISO 8601 duplicate detection window of the topic.')
param duplicateDetectionWindow string = 'PT10M'

@minLength(6)
@maxLength(50)
@description('Service Bus namespace NAME (globally unique), generated with the KEDA manifests so both name the same namespace. KEDA scale rules take this name, never the host: KEDA appends the endpoint suffix itself.')
param serviceBusNamespaceName string = '${namePrefix}-sb-${uniqueString(resourceGroup().id)}'

@description('Pools, generated from topology/fleet.yaml (npm run generate).')
param pools array

@description('Cosmos DB containers and their partition keys, generated from the store port.')
param containers array

@secure()
@description('Container Apps only: per pool name, the enrollment token its containers exchange for their own factory token. Create them with POST /fleet/enrollment-tokens (no maxUses, a long expiry) and pass them at deployment.')
param poolEnrollmentTokens object = {}

@description('Days an attempt\'s log and files are kept in Blob Storage (0: until an operator deletes them).')
param artifactRetentionDays int = 30

var cosmosName = '${namePrefix}-cosmos-${uniqueString(resourceGroup().id)}'
// Storage account names: 3-24 lower-case letters and digits, globally unique.
var storageName = take(toLower(replace('${namePrefix}art${uniqueString(resourceGroup().id)}', '-', '')), 24)

module logs 'modules/log-analytics.bicep' = {
  name: 'logs'
  params: { name: '${namePrefix}-logs', location: location }
}

module identities 'modules/identity.bicep' = {
  name: 'identities'
  params: { namePrefix: namePrefix, location: location, pools: pools }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: serviceBusNamespaceName
    location: location
    sku: serviceBusSku
    topicName: topicName
    duplicateDetectionWindow: duplicateDetectionWindow
    pools: pools
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    name: cosmosName
    location: location
    serverless: cosmosServerless
    maxThroughput: cosmosMaxThroughput
    containers: containers
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageName
    location: location
    retentionDays: artifactRetentionDays
    coordinatorPrincipalId: identities.outputs.coordinatorPrincipalId
    poolPrincipalIds: identities.outputs.poolPrincipalIds
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    serviceBusName: serviceBusNamespaceName
    topicName: topicName
    cosmosName: cosmosName
    coordinatorPrincipalId: identities.outputs.coordinatorPrincipalId
    scalerPrincipalId: identities.outputs.scalerPrincipalId
    poolPrincipalIds: identities.outputs.poolPrincipalIds
    pools: pools
  }
  dependsOn: [serviceBus, cosmos]
}

module containerApps 'modules/container-apps.bicep' = if (computeTarget == 'containerApps') {
  name: 'containerApps'
  params: {
    namePrefix: namePrefix
    location: location
    logAnalyticsCustomerId: logs.outputs.customerId
    logAnalyticsWorkspaceName: logs.outputs.name
    coordinatorImage: coordinatorImage
    coordinatorReplicas: coordinatorReplicas
    leaderLeaseMs: leaderLeaseMs
    coordinatorIdentityId: identities.outputs.coordinatorId
    coordinatorClientId: identities.outputs.coordinatorClientId
    scalerIdentityId: identities.outputs.scalerId
    poolIdentityIds: identities.outputs.poolIds
    poolClientIds: identities.outputs.poolClientIds
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusFqdn: serviceBus.outputs.fqdn
    cosmosEndpoint: cosmos.outputs.endpoint
    artifactsAccountUrl: storage.outputs.accountUrl
    artifactRetentionDays: artifactRetentionDays
    topicName: topicName
    pools: pools
    poolEnrollmentTokens: poolEnrollmentTokens
  }
}

module aks 'modules/aks.bicep' = if (computeTarget == 'aks') {
  name: 'aks'
  params: {
    name: '${namePrefix}-aks'
    location: location
    logAnalyticsWorkspaceId: logs.outputs.id
    poolIdentityNames: identities.outputs.poolNames
    coordinatorIdentityName: identities.outputs.coordinatorName
    pools: pools
  }
}

output serviceBusNamespaceName string = serviceBus.outputs.name
output serviceBusFqdn string = serviceBus.outputs.fqdn
output cosmosEndpoint string = cosmos.outputs.endpoint
output artifactsAccountUrl string = storage.outputs.accountUrl
output coordinatorUrl string = computeTarget == 'containerApps' ? containerApps.outputs.coordinatorUrl : ''
output coordinatorClientId string = identities.outputs.coordinatorClientId
output poolClientIds array = identities.outputs.poolClientIds
output aksOidcIssuer string = computeTarget == 'aks' ? aks.outputs.oidcIssuerUrl : ''
