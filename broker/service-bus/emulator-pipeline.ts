import type { ServiceBusAdministrationClient } from "@azure/service-bus";

/**
 * SDK 7.9's administration client ignores `UseDevelopmentEmulator=true` (and `additionalPolicies`):
 * it always calls `https://<Endpoint host:port>/...`, while an emulator (the local protocol broker)
 * serves its ATOM API over plain http. This pipeline policy rewrites the scheme and allows the
 * insecure connection. Apply it only for emulator connection strings: against Azure every request
 * must stay on https.
 */
export function useHttpForEmulator(client: ServiceBusAdministrationClient): void {
  client.pipeline.addPolicy({
    name: "fleetEmulatorHttp",
    sendRequest(request, next) {
      if (request.url.startsWith("https:")) request.url = `http:${request.url.slice("https:".length)}`;
      request.allowInsecureConnection = true;
      return next(request);
    },
  });
}
