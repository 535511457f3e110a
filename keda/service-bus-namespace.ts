/** The endpoint suffix of Service Bus in Azure's public cloud, which KEDA assumes without `cloud`. */
export const PUBLIC_CLOUD_SERVICE_BUS_SUFFIX = "servicebus.windows.net";

/** KEDA's `cloud` names for the sovereign clouds it knows (pkg/scalers/azure/cloud_config.go). */
const KEDA_CLOUD_BY_SUFFIX: Readonly<Record<string, string>> = {
  "servicebus.usgovcloudapi.net": "AzureUSGovernmentCloud",
  "servicebus.chinacloudapi.cn": "AzureChinaCloud",
};

/**
 * Azure's rule for a Service Bus namespace name: 6 to 50 letters, digits and hyphens, starting with
 * a letter, ending with a letter or digit, and not ending in `-sb` or `-mgmt`. Returns the problem,
 * or undefined when the name is valid.
 */
export function serviceBusNamespaceNameProblem(name: string): string | undefined {
  if (name.includes(".")) return `"${name}" is a host name; give the namespace name only (the part before the first dot)`;
  if (!/^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/.test(name)) {
    return `"${name}" is not a Service Bus namespace name: use 6 to 50 letters, digits and hyphens, starting with a letter and ending with a letter or digit`;
  }
  if (/-(sb|mgmt)$/i.test(name)) return `"${name}" ends in -sb or -mgmt, which Azure reserves; pick another namespace name`;
  return undefined;
}

/** The fully qualified host the Service Bus SDK connects to, e.g. fleet-dispatch.servicebus.windows.net. */
export function serviceBusHost(name: string, endpointSuffix = PUBLIC_CLOUD_SERVICE_BUS_SUFFIX): string {
  return `${name}.${normalizeSuffix(endpointSuffix)}`;
}

/**
 * The namespace metadata of KEDA's `azure-servicebus` trigger with pod identity. KEDA's `namespace`
 * is the namespace NAME: the scaler builds the host as `<namespace>.<endpoint suffix>`, the suffix
 * coming from `cloud` (public cloud when absent) or, for `cloud: Private`, from `endpointSuffix`
 * (pkg/scalers/azure_servicebus_scaler.go, parseAzureServiceBusMetadata). A host given as the name
 * becomes `<host>.servicebus.windows.net`, which does not resolve, and the pool never scales from zero.
 */
export function kedaServiceBusNamespaceMetadata(name: string, endpointSuffix = PUBLIC_CLOUD_SERVICE_BUS_SUFFIX): Record<string, string> {
  const problem = serviceBusNamespaceNameProblem(name);
  if (problem !== undefined) throw new Error(`Service Bus namespace for KEDA: ${problem}`);
  const suffix = normalizeSuffix(endpointSuffix);
  if (suffix === PUBLIC_CLOUD_SERVICE_BUS_SUFFIX) return { namespace: name };
  const cloud = KEDA_CLOUD_BY_SUFFIX[suffix];
  return cloud === undefined ? { namespace: name, cloud: "Private", endpointSuffix: suffix } : { namespace: name, cloud };
}

function normalizeSuffix(suffix: string): string {
  return suffix.replace(/^\.+/, "").toLowerCase();
}
