import { DefaultAzureCredential } from "@azure/identity";
import { RetryMode, ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusClientOptions } from "@azure/service-bus";
import { useHttpForEmulator } from "./emulator-pipeline.js";

export type ServiceBusConnection = { connectionString: string } | { fullyQualifiedNamespace: string };

/**
 * Retry options set on purpose: the SDK's default waits 30 s between attempts, which turns a
 * two-second broker blip into a half-minute stall. Short exponential retries here; the callers
 * (relay, agent) own the longer retry loop with backoff, jitter and a circuit breaker.
 */
export const SERVICE_BUS_CLIENT_OPTIONS: ServiceBusClientOptions = {
  retryOptions: { mode: RetryMode.Exponential, maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2000, timeoutInMs: 10_000 },
};

export function isEmulator(connection: ServiceBusConnection): boolean {
  return "connectionString" in connection && /UseDevelopmentEmulator=true/i.test(connection.connectionString);
}

/** Connection string, or the namespace with managed identity (DefaultAzureCredential): no secrets in production. */
export function createClients(connection: ServiceBusConnection): { client: ServiceBusClient; admin: ServiceBusAdministrationClient } {
  if ("connectionString" in connection) {
    const client = new ServiceBusClient(connection.connectionString, SERVICE_BUS_CLIENT_OPTIONS);
    const admin = new ServiceBusAdministrationClient(connection.connectionString);
    if (isEmulator(connection)) useHttpForEmulator(admin);
    return { client, admin };
  }
  const credential = new DefaultAzureCredential();
  return {
    client: new ServiceBusClient(connection.fullyQualifiedNamespace, credential, SERVICE_BUS_CLIENT_OPTIONS),
    admin: new ServiceBusAdministrationClient(connection.fullyQualifiedNamespace, credential),
  };
}
