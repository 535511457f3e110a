/**
 * Shape checks for how an agent reaches Service Bus, run at config load so a typo stops the agent
 * at once with the variable named, instead of surfacing minutes later as an AMQP error from inside
 * the SDK (which accepts almost any string and fails on first use). Messages name parts, never
 * values: a connection string carries a secret.
 */

const PARTS = ["Endpoint", "SharedAccessKeyName", "SharedAccessKey", "SharedAccessSignature", "EntityPath", "UseDevelopmentEmulator"] as const;
type Part = (typeof PARTS)[number];

const SHAPE =
  "Endpoint=sb://<host>[:port]/;SharedAccessKeyName=<name>;SharedAccessKey=<key> " +
  "(the local broker and Microsoft's emulator add ;UseDevelopmentEmulator=true)";

/** A DNS name or an IPv4 address. */
const HOST = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The problem with a Service Bus connection string, or undefined when its shape is right. */
export function connectionStringProblem(value: string): string | undefined {
  const parts = new Map<Part, string>();
  for (const segment of value.split(";")) {
    if (segment.trim() === "") continue;
    const equals = segment.indexOf("=");
    if (equals <= 0) return `expected key=value parts separated by ';', like ${SHAPE}`;
    const key = segment.slice(0, equals).trim();
    const part = PARTS.find((p) => p.toLowerCase() === key.toLowerCase());
    if (part === undefined) return `unknown part '${key}'; a connection string has ${PARTS.join(", ")}`;
    if (parts.has(part)) return `${part} appears twice`;
    parts.set(part, segment.slice(equals + 1).trim());
  }
  const endpoint = parts.get("Endpoint");
  if (endpoint === undefined) return `no Endpoint; expected ${SHAPE}`;
  const endpointProblem = sbEndpointProblem(endpoint);
  if (endpointProblem !== undefined) return endpointProblem;
  const emulator = parts.get("UseDevelopmentEmulator");
  if (emulator !== undefined && emulator !== "true" && emulator !== "false") return "UseDevelopmentEmulator must be true or false";
  if (parts.has("SharedAccessSignature")) {
    if (parts.get("SharedAccessSignature") === "") return "SharedAccessSignature is empty";
    return undefined;
  }
  const keyName = parts.get("SharedAccessKeyName");
  const key = parts.get("SharedAccessKey");
  if (keyName === undefined && key === undefined) return `no credential: give SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature); expected ${SHAPE}`;
  if (keyName === undefined || keyName === "") return "SharedAccessKeyName is missing or empty; it names the policy whose key follows";
  if (key === undefined || key === "") return "SharedAccessKey is missing or empty; copy it from the namespace's shared access policy";
  return undefined;
}

/** The problem with SERVICEBUS_NAMESPACE (the fully qualified host), or undefined. */
export function fullyQualifiedNamespaceProblem(value: string): string | undefined {
  const expected = "give the namespace's fully qualified host, e.g. fleet-dispatch.servicebus.windows.net";
  if (value.includes("://") || value.includes("=") || value.includes("/")) return `"${value}" is not a host name; ${expected}`;
  if (!HOST.test(value)) return `"${value}" is not a host name; ${expected}`;
  if (!value.includes(".")) return `"${value}" is a namespace name, not its host; ${expected}`;
  return undefined;
}

function sbEndpointProblem(endpoint: string): string | undefined {
  const match = /^sb:\/\/([^/:]*)(?::(\d+))?\/?$/i.exec(endpoint);
  const expected = "Endpoint must be sb://<host>[:port]/ (the namespace's host, no path)";
  if (match === null || match[1] === "" || !HOST.test(match[1]!)) return expected;
  if (match[2] !== undefined) {
    const port = Number(match[2]);
    if (port < 1 || port > 65_535) return `Endpoint has port ${match[2]}; a port is 1 to 65535`;
  }
  return undefined;
}
