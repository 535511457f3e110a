import { DefaultAzureCredential } from "@azure/identity";
import { RetryMode, type RetryOptions, ServiceBusAdministrationClient, ServiceBusClient, type TokenCredential } from "@azure/service-bus";
import { useHttpForEmulator } from "./emulator-pipeline.js";
import { exposeScheduledCount } from "./scheduled-count-policy.js";

/**
 * How to reach a namespace:
 * - a connection string (shared access key; the local broker and Microsoft's emulator use one with
 *   `UseDevelopmentEmulator=true`), or
 * - the namespace's host name (`<name>.servicebus.windows.net`) with a token credential, by default
 *   `DefaultAzureCredential` (managed identity in Azure): no secret in production configuration.
 */
export type ServiceBusConnection = (
  | {
      connectionString: string;
      /** Where the administration client goes when it is not where messages go: Microsoft's
       * Service Bus emulator serves its management API on its own port (5300). Default: the same. */
      administrationConnectionString?: string;
      retryOptions?: RetryOptions;
    }
  | { fullyQualifiedNamespace: string; credential?: TokenCredential; retryOptions?: RetryOptions }
) & {
  /** Route the AMQP connection through another address (e.g. a local TCP fault proxy in front of
   * the namespace) while TLS still verifies the namespace's own name. */
  customEndpointAddress?: string;
};

/**
 * Retry options set ON PURPOSE. The SDK's default is 3 retries 30 s apart (fixed), so one broker
 * blip stalls a send, a receive or a reconnect for up to two minutes, and a receiver's reconnect
 * after a 2 s outage came 28 s late. Here: two quick exponential retries (300 ms, then up to 2 s),
 * 10 s per attempt; a call that still fails surfaces as BrokerError("unavailable") within seconds,
 * and the callers (outbox relay, agent, dead-letter monitor) own the long retry loop with backoff,
 * jitter and a circuit breaker, where it is visible and bounded.
 */
export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  mode: RetryMode.Exponential,
  maxRetries: 2,
  retryDelayInMs: 300,
  maxRetryDelayInMs: 2000,
  timeoutInMs: 10_000,
};

/** The administration client's HTTP retries (core-rest-pipeline; default 3 retries from 1 s up to
 * 64 s), kept just as short for the same reason: counts feed scaling decisions every few seconds. */
const ADMIN_RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2000 };

export function isEmulatorConnectionString(connectionString: string): boolean {
  return /(^|;)\s*UseDevelopmentEmulator\s*=\s*true\s*(;|$)/i.test(connectionString);
}

export function createClients(connection: ServiceBusConnection): { client: ServiceBusClient; admin: ServiceBusAdministrationClient } {
  const options = {
    retryOptions: connection.retryOptions ?? DEFAULT_RETRY_OPTIONS,
    ...(connection.customEndpointAddress === undefined ? {} : { customEndpointAddress: connection.customEndpointAddress }),
  };
  if ("connectionString" in connection) {
    const client = new ServiceBusClient(connection.connectionString, options);
    const administration = connection.administrationConnectionString ?? connection.connectionString;
    const admin = new ServiceBusAdministrationClient(administration, { retryOptions: ADMIN_RETRY_OPTIONS });
    if (isEmulatorConnectionString(administration)) useHttpForEmulator(admin);
    exposeScheduledCount(admin);
    return { client, admin };
  }
  const credential = connection.credential ?? new DefaultAzureCredential();
  const admin = new ServiceBusAdministrationClient(connection.fullyQualifiedNamespace, credential, { retryOptions: ADMIN_RETRY_OPTIONS });
  exposeScheduledCount(admin);
  return { client: new ServiceBusClient(connection.fullyQualifiedNamespace, credential, options), admin };
}
