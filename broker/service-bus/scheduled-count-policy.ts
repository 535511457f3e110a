import type { ServiceBusAdministrationClient } from "@azure/service-bus";

/** The response header this policy fills in for `scheduledCountOf`. */
const HEADER = "x-fleet-scheduled-message-count";

/**
 * SDK 7.9 parses a subscription's ScheduledMessageCount from the ATOM reply (CountDetails) but
 * drops it from SubscriptionRuntimeProperties, and the returned `_response` keeps headers, not the
 * body. This policy copies the number from the raw body into a response header, where
 * `scheduledCountOf(runtime._response)` finds it: no second HTTP call per `counts`.
 */
export function exposeScheduledCount(client: ServiceBusAdministrationClient): void {
  client.pipeline.addPolicy({
    name: "fleetScheduledCount",
    async sendRequest(request, next) {
      const response = await next(request);
      const match = request.method === "GET" ? /<(?:\w+:)?ScheduledMessageCount>(\d+)</.exec(response.bodyAsText ?? "") : null;
      if (match?.[1] !== undefined) response.headers.set(HEADER, match[1]);
      return response;
    },
  });
}

/** The scheduled count of a runtime-properties reply; 0 when the service did not report one. */
export function scheduledCountOf(response: { headers: { get(name: string): string | undefined | null } }): number {
  const value = Number(response.headers.get(HEADER) ?? 0);
  return Number.isFinite(value) ? value : 0;
}
