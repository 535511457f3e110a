import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "./config.js";

const KEY = "c2VjcmV0LWtleS1ub3QtdG8tbGVhaw==";
const base = {
  COORDINATOR_URL: "http://127.0.0.1:8080",
  FACTORY_TOKEN: "pool-general.0123456789abcdef0123",
  POOL: "general",
};
const withConnection = (value: string) => ({ ...base, SERVICEBUS_CONNECTION_STRING: value });
const problem = (env: Record<string, string>): string => {
  try {
    loadAgentConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
};

describe("factory agent configuration: the Service Bus connection string", () => {
  it("accepts Azure's form, with or without the trailing slash and with an entity path", () => {
    for (const value of [
      `Endpoint=sb://fleet-dispatch.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${KEY}`,
      `Endpoint=sb://fleet-dispatch.servicebus.windows.net;SharedAccessKeyName=listen;SharedAccessKey=${KEY};EntityPath=assignments`,
      `Endpoint=sb://fleet-dispatch.servicebus.windows.net:5671/;SharedAccessKeyName=listen;SharedAccessKey=${KEY};`,
      "Endpoint=sb://fleet-dispatch.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y&se=1&skn=listen",
    ]) {
      expect(loadAgentConfig(withConnection(value)).broker, value).toEqual({ connectionString: value });
    }
  });

  it("accepts the emulator form the local broker prints", () => {
    const value = "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true";
    expect(loadAgentConfig(withConnection(value)).broker).toEqual({ connectionString: value });
    expect(loadAgentConfig(withConnection("Endpoint=sb://localhost;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=true;")).broker).toBeDefined();
  });

  it.each([
    ["garbage", "not a connection string", /key=value parts/],
    ["no endpoint", `SharedAccessKeyName=listen;SharedAccessKey=${KEY}`, /Endpoint=sb:\/\/<host>/],
    ["an https endpoint", `Endpoint=https://fleet-dispatch.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=${KEY}`, /Endpoint must be sb:\/\/<host>/],
    ["an endpoint with a path", `Endpoint=sb://fleet-dispatch.servicebus.windows.net/assignments;SharedAccessKeyName=listen;SharedAccessKey=${KEY}`, /Endpoint must be sb:\/\/<host>/],
    ["an empty host", `Endpoint=sb://;SharedAccessKeyName=listen;SharedAccessKey=${KEY}`, /Endpoint must be sb:\/\/<host>/],
    ["a port out of range", `Endpoint=sb://127.0.0.1:70000;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=true`, /port 70000/],
    ["a key name without its key", "Endpoint=sb://fleet-dispatch.servicebus.windows.net/;SharedAccessKeyName=listen", /SharedAccessKey/],
    ["a key without its name", `Endpoint=sb://fleet-dispatch.servicebus.windows.net/;SharedAccessKey=${KEY}`, /SharedAccessKeyName/],
    ["no credential at all", "Endpoint=sb://fleet-dispatch.servicebus.windows.net/", /SharedAccessKeyName and SharedAccessKey/],
    ["an unknown part", `Endpoint=sb://fleet-dispatch.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=${KEY};Password=${KEY}`, /unknown part 'Password'/],
    ["a repeated part", `Endpoint=sb://a.servicebus.windows.net/;Endpoint=sb://b.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=${KEY}`, /Endpoint appears twice/],
    ["an emulator flag that is not true or false", "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=yes", /UseDevelopmentEmulator must be true or false/],
  ])("refuses %s, naming the variable and never echoing the key", (_name, value, expected) => {
    const message = problem(withConnection(value));
    expect(message).toContain("SERVICEBUS_CONNECTION_STRING");
    expect(message).toMatch(expected);
    expect(message).not.toContain(KEY);
  });
});

describe("factory agent configuration: the Service Bus namespace (managed identity)", () => {
  it("takes the fully qualified host", () => {
    expect(loadAgentConfig({ ...base, SERVICEBUS_NAMESPACE: "fleet-dispatch.servicebus.windows.net" }).broker).toEqual({
      fullyQualifiedNamespace: "fleet-dispatch.servicebus.windows.net",
    });
  });

  it.each([
    ["the bare name", "fleet-dispatch"],
    ["a URL", "https://fleet-dispatch.servicebus.windows.net/"],
    ["a connection string", "Endpoint=sb://fleet-dispatch.servicebus.windows.net/"],
  ])("refuses %s, saying what it expects", (_name, value) => {
    const message = problem({ ...base, SERVICEBUS_NAMESPACE: value });
    expect(message).toMatch(/SERVICEBUS_NAMESPACE: .*fully qualified host, e.g. fleet-dispatch\.servicebus\.windows\.net/);
  });
});

describe("factory agent configuration: the engine", () => {
  const connection = `Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=k;SharedAccessKey=${KEY};UseDevelopmentEmulator=true`;
  it("takes ENGINE=noop, which needs nothing else", () => {
    expect(loadAgentConfig({ ...withConnection(connection), ENGINE: "noop" }).engine).toEqual({ kind: "noop" });
  });
  it("names the engines it knows when ENGINE is not one of them", () => {
    expect(problem({ ...withConnection(connection), ENGINE: "fast" })).toMatch(/ENGINE.*"sim".*"command".*"noop"/s);
  });
});
