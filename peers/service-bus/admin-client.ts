import { ServiceBusAdministrationClient } from "@azure/service-bus";

/** A real ServiceBusAdministrationClient for the local broker. SDK 7.9 ignores
 * UseDevelopmentEmulator for administration and always calls https://<endpoint>; this policy
 * rewrites the scheme to http (the local broker serves ATOM on its AMQP port). */
export function createLocalAdministrationClient(connectionString: string): ServiceBusAdministrationClient {
  const client = new ServiceBusAdministrationClient(connectionString);
  client.pipeline.addPolicy({
    name: "localBrokerHttp",
    sendRequest(request, next) {
      request.url = request.url.replace(/^https:/, "http:");
      request.allowInsecureConnection = true;
      return next(request);
    },
  });
  return client;
}
