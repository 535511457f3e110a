// The account (serverless or provisioned autoscale), database `fleet`, and one container per store
// collection with its partition key, indexing policy and TTL.
param name string
param location string
param serverless bool
param maxThroughput int
param containers array

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: 'fleet'
  properties: {
    resource: { id: 'fleet' }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: maxThroughput } }
  }
}

resource collections 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for c in containers: {
  parent: database
  name: c.name
  properties: {
    resource: {
      id: c.name
      partitionKey: { paths: [c.partitionKey], kind: 'Hash' }
      defaultTtl: c.defaultTtl
      indexingPolicy: {
        indexingMode: 'consistent'
        includedPaths: [{ path: '/*' }]
        // Bodies, events and runs are read by id, never filtered on.
        excludedPaths: [{ path: '/bodyMd/?' }, { path: '/events/*' }, { path: '/runs/*' }, { path: '/"_etag"/?' }]
      }
    }
  }
}]

output endpoint string = account.properties.documentEndpoint
output accountName string = account.name
