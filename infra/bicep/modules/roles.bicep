// Least privilege. Built-in role definition ids:
//   Azure Service Bus Data Sender   69a216fc-b8fb-44d8-bc22-1f3c2cd27a39 (coordinator, on the topic)
//   Azure Service Bus Data Receiver 4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0 (each pool, on its own subscription;
//                                   the coordinator, on each subscription, to read dead letters)
//   Azure Service Bus Data Owner    090c5cfd-751d-490a-894a-3ce6f1109419 (the scaler identity, on the topic only:
//                                   reading subscription depth needs Manage rights; pools on external-push need none)
//   Cosmos DB Built-in Data Contributor 00000000-0000-0000-0000-000000000002 (coordinator only, data plane)
param serviceBusName string
param topicName string
param cosmosName string
param coordinatorPrincipalId string
param scalerPrincipalId string
param poolPrincipalIds array
param pools array

var sender = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')
var receiver = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0')
var dataOwner = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '090c5cfd-751d-490a-894a-3ce6f1109419')

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusName
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' existing = {
  parent: namespace
  name: topicName
}

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' existing = [for pool in pools: {
  parent: topic
  name: pool.subscriptionName
}]

resource coordinatorSends 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, coordinatorPrincipalId, sender)
  scope: topic
  properties: { roleDefinitionId: sender, principalId: coordinatorPrincipalId, principalType: 'ServicePrincipal' }
}

resource scalerReadsDepth 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, scalerPrincipalId, dataOwner)
  scope: topic
  properties: { roleDefinitionId: dataOwner, principalId: scalerPrincipalId, principalType: 'ServicePrincipal' }
}

resource poolReceives 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (pool, i) in pools: {
  name: guid(subscriptions[i].id, poolPrincipalIds[i], receiver)
  scope: subscriptions[i]
  properties: { roleDefinitionId: receiver, principalId: poolPrincipalIds[i], principalType: 'ServicePrincipal' }
}]

resource coordinatorReadsDeadLetters 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (pool, i) in pools: {
  name: guid(subscriptions[i].id, coordinatorPrincipalId, receiver)
  scope: subscriptions[i]
  properties: { roleDefinitionId: receiver, principalId: coordinatorPrincipalId, principalType: 'ServicePrincipal' }
}]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosName
}

resource coordinatorData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, coordinatorPrincipalId, 'data-contributor')
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
    principalId: coordinatorPrincipalId
    scope: '${account.id}/dbs/fleet'
  }
}
