import { describe, expect, it } from "vitest";
import { loadTopology } from "../contracts/topology-file.js";
import { DEFAULT_MANIFEST_OPTIONS } from "../scripts/generated-files.js";
import { buildKedaManifests } from "./manifests.js";
import { kedaServiceBusNamespaceMetadata, serviceBusHost, serviceBusNamespaceNameProblem } from "./service-bus-namespace.js";

const topology = loadTopology();
const stockTriggerMetadata = (suffix?: string) =>
  buildKedaManifests(topology, { ...DEFAULT_MANIFEST_OPTIONS, ...(suffix === undefined ? {} : { serviceBusEndpointSuffix: suffix }) })
    .filter((m) => m.kind === "ScaledJob" || m.kind === "ScaledObject")
    .map((m) => (m.spec as { triggers: { type: string; metadata: Record<string, string> }[] }).triggers[0]!)
    .filter((t) => t.type === "azure-servicebus")
    .map((t) => t.metadata);

describe("KEDA's Service Bus namespace metadata", () => {
  it("names the namespace and lets KEDA add the public cloud's suffix", () => {
    expect(kedaServiceBusNamespaceMetadata("fleet-dispatch")).toEqual({ namespace: "fleet-dispatch" });
    expect(kedaServiceBusNamespaceMetadata("fleet-dispatch", ".ServiceBus.Windows.Net")).toEqual({ namespace: "fleet-dispatch" });
    expect(serviceBusHost("fleet-dispatch")).toBe("fleet-dispatch.servicebus.windows.net");
  });

  it("selects KEDA's cloud for the sovereign clouds it knows, and a private cloud's suffix otherwise", () => {
    expect(kedaServiceBusNamespaceMetadata("fleet-dispatch", "servicebus.usgovcloudapi.net")).toEqual({ namespace: "fleet-dispatch", cloud: "AzureUSGovernmentCloud" });
    expect(kedaServiceBusNamespaceMetadata("fleet-dispatch", "servicebus.chinacloudapi.cn")).toEqual({ namespace: "fleet-dispatch", cloud: "AzureChinaCloud" });
    expect(kedaServiceBusNamespaceMetadata("fleet-dispatch", "servicebus.contoso.example")).toEqual({
      namespace: "fleet-dispatch",
      cloud: "Private",
      endpointSuffix: "servicebus.contoso.example",
    });
    expect(serviceBusHost("fleet-dispatch", "servicebus.chinacloudapi.cn")).toBe("fleet-dispatch.servicebus.chinacloudapi.cn");
  });

  it("refuses a host where the name belongs, and names Azure's naming rule", () => {
    expect(() => kedaServiceBusNamespaceMetadata("fleet-dispatch.servicebus.windows.net")).toThrow(/host name; give the namespace name only/);
    expect(serviceBusNamespaceNameProblem("fleet")).toMatch(/6 to 50 letters/);
    expect(serviceBusNamespaceNameProblem("1fleet-dispatch")).toMatch(/starting with a letter/);
    expect(serviceBusNamespaceNameProblem("fleet-dispatch-")).toMatch(/ending with a letter or digit/);
    expect(serviceBusNamespaceNameProblem("fleet-dispatch-sb")).toMatch(/-sb or -mgmt/);
    expect(serviceBusNamespaceNameProblem("fleet-sb-3kx9a")).toBeUndefined();
  });

  it("reaches every stock trigger the generator writes, in any cloud", () => {
    expect(stockTriggerMetadata().length).toBeGreaterThan(0);
    for (const metadata of stockTriggerMetadata()) expect(metadata).toMatchObject({ namespace: "fleet-dispatch" });
    for (const metadata of stockTriggerMetadata("servicebus.usgovcloudapi.net")) expect(metadata).toMatchObject({ namespace: "fleet-dispatch", cloud: "AzureUSGovernmentCloud" });
    expect(() => buildKedaManifests(topology, { ...DEFAULT_MANIFEST_OPTIONS, serviceBusNamespaceName: "fleet-dispatch.servicebus.windows.net" })).toThrow(/host name/);
  });
});
