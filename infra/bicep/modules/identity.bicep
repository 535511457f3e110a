// One user-assigned identity for the coordinator (and dispatcher), one for the scalers that read
// subscription depth, and one per pool for its factory containers.
param namePrefix string
param location string
param pools array

resource coordinator 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-coordinator'
  location: location
}

resource scaler 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-scaler'
  location: location
}

resource poolIdentities 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for pool in pools: {
  name: '${namePrefix}-pool-${pool.name}'
  location: location
}]

output coordinatorId string = coordinator.id
output coordinatorName string = coordinator.name
output coordinatorClientId string = coordinator.properties.clientId
output coordinatorPrincipalId string = coordinator.properties.principalId
output scalerId string = scaler.id
output scalerPrincipalId string = scaler.properties.principalId
output poolIds array = [for (pool, i) in pools: poolIdentities[i].id]
output poolNames array = [for (pool, i) in pools: poolIdentities[i].name]
output poolClientIds array = [for (pool, i) in pools: poolIdentities[i].properties.clientId]
output poolPrincipalIds array = [for (pool, i) in pools: poolIdentities[i].properties.principalId]
