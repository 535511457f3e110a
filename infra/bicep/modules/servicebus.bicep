// The namespace, topic `assignments` with duplicate detection, and per pool a subscription with
// its correlation rule on the `pool` property, lock duration, max delivery count and
// dead-lettering on expiration.
param name string
param location string
@allowed(['Standard', 'Premium'])
param sku string
param topicName string
param duplicateDetectionWindow string
param pools array

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  sku: { name: sku, tier: sku }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: topicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    supportOrdering: true
  }
}

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for pool in pools: {
  parent: topic
  name: pool.subscriptionName
  properties: {
    lockDuration: pool.lockDuration
    maxDeliveryCount: pool.maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    requiresSession: false
  }
}]

resource rules 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2022-10-01-preview' = [for (pool, i) in pools: {
  parent: subscriptions[i]
  name: 'pool'
  properties: {
    filterType: 'CorrelationFilter'
    correlationFilter: {
      properties: { pool: pool.filterPool }
    }
  }
}]

// The name is what KEDA's azure-servicebus scale rules take; the host is what the SDKs connect to.
output name string = namespace.name
output fqdn string = '${namespace.name}.servicebus.windows.net'
output namespaceId string = namespace.id
