// The AKS option: a cluster with the KEDA add-on, the OIDC issuer and workload identity, and a
// federated credential per identity so the pods' service accounts (from keda/generated/) act as
// them. Apply the manifests after deployment: kubectl apply -f keda/generated/
param name string
param location string
param logAnalyticsWorkspaceId string
param poolIdentityNames array
param coordinatorIdentityName string
param pools array
param namespace string = 'fleet'
param nodeCount int = 2
param nodeSize string = 'Standard_D4s_v5'

resource cluster 'Microsoft.ContainerService/managedClusters@2024-02-01' = {
  name: name
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    dnsPrefix: name
    agentPoolProfiles: [{ name: 'system', count: nodeCount, vmSize: nodeSize, mode: 'System', osType: 'Linux' }]
    oidcIssuerProfile: { enabled: true }
    securityProfile: { workloadIdentity: { enabled: true } }
    workloadAutoScalerProfile: { keda: { enabled: true } }
    addonProfiles: {
      omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: logAnalyticsWorkspaceId } }
    }
  }
}

resource poolIdentities 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = [for identityName in poolIdentityNames: {
  name: identityName
}]

resource poolFederation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for (pool, i) in pools: {
  parent: poolIdentities[i]
  name: 'aks-factory-${pool.name}'
  properties: {
    issuer: cluster.properties.oidcIssuerProfile.issuerURL
    subject: 'system:serviceaccount:${namespace}:factory-${pool.name}'
    audiences: ['api://AzureADTokenExchange']
  }
}]

resource coordinatorIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: coordinatorIdentityName
}

resource coordinatorFederation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: coordinatorIdentity
  name: 'aks-coordinator'
  properties: {
    issuer: cluster.properties.oidcIssuerProfile.issuerURL
    subject: 'system:serviceaccount:${namespace}:fleet-coordinator'
    audiences: ['api://AzureADTokenExchange']
  }
}

output oidcIssuerUrl string = cluster.properties.oidcIssuerProfile.issuerURL
