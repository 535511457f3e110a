// Blob Storage for attempts' logs and files: one account, one container (every blob's name starts
// with its product: <product>/<job>/<epoch>/...), Entra ID only (account keys off), and a lifecycle
// rule that deletes what is older than the retention (the coordinator's hourly sweep then only
// marks pointers). Least privilege, built-in role definition ids:
//   Storage Blob Data Contributor  ba92f5b4-2d11-453d-a403-e96b0029c9fe (coordinator and each pool, on the container only)
//   Storage Blob Delegator         db58b8e5-c6ad-4a2a-8342-4190687cbf4a (coordinator, on the account: user delegation keys for signed links)
param name string
param location string
param containerName string = 'fleet-artifacts'
@description('Days an artifact is kept (0: until deleted).')
param retentionDays int
param coordinatorPrincipalId string
param poolPrincipalIds array

var contributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
var delegator = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a')

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: containerName
  properties: { publicAccess: 'None' }
}

resource retention 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (retentionDays > 0) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'artifact-retention'
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: ['${containerName}/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays } } }
          }
        }
      ]
    }
  }
}

resource coordinatorWrites 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, coordinatorPrincipalId, contributor)
  scope: container
  properties: { roleDefinitionId: contributor, principalId: coordinatorPrincipalId, principalType: 'ServicePrincipal' }
}

resource coordinatorSigns 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, coordinatorPrincipalId, delegator)
  scope: account
  properties: { roleDefinitionId: delegator, principalId: coordinatorPrincipalId, principalType: 'ServicePrincipal' }
}

resource poolsWrite 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in poolPrincipalIds: {
  name: guid(container.id, principalId, contributor)
  scope: container
  properties: { roleDefinitionId: contributor, principalId: principalId, principalType: 'ServicePrincipal' }
}]

output accountUrl string = account.properties.primaryEndpoints.blob
output containerName string = container.name
