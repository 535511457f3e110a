import type { ServiceBusAdministrationClient } from "@azure/service-bus";

/** SDK 7.9's administration client ignores UseDevelopmentEmulator and always calls https; an
 * emulator (the local broker, or Microsoft's) serves plain http. */
export function useHttpForEmulator(client: ServiceBusAdministrationClient): void {
  client.pipeline.addPolicy({
    name: "emulatorHttp",
    sendRequest(request, next) {
      request.url = request.url.replace(/^https:/, "http:");
      request.allowInsecureConnection = true;
      return next(request);
    },
  });
}
