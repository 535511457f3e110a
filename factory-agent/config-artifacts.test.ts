import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "./config.js";

const base = {
  COORDINATOR_URL: "http://127.0.0.1:8080",
  FACTORY_TOKEN: "pool-general.0123456789abcdef0123",
  POOL: "general",
  SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true",
};
const AZURITE = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

describe("factory agent configuration: PR mode and artifacts", () => {
  it("clones owner/name from GitHub, keeps artifacts off and flushes logs every 3 s by default", () => {
    expect(loadAgentConfig(base)).toMatchObject({ gitBaseUrl: "https://github.com", artifacts: undefined, logFlushMs: 3000 });
  });

  it("takes a connection string (Azurite) or an account URL (managed identity) and a container", () => {
    expect(loadAgentConfig({ ...base, ARTIFACTS_CONNECTION_STRING: AZURITE, LOG_FLUSH_SECONDS: "1", GIT_BASE_URL: "/srv/git" })).toMatchObject({
      artifacts: { kind: "azure-blob", connectionString: AZURITE, container: "fleet-artifacts" },
      logFlushMs: 1000,
      gitBaseUrl: "/srv/git",
    });
    expect(loadAgentConfig({ ...base, ARTIFACTS_ACCOUNT_URL: "https://fleetartifacts.blob.core.windows.net", ARTIFACTS_CONTAINER: "logs" }).artifacts).toEqual({
      kind: "azure-blob",
      accountUrl: "https://fleetartifacts.blob.core.windows.net",
      container: "logs",
    });
  });

  it("names the variable when the artifact settings are wrong", () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadAgentConfig({ ...base, ...env });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected a refusal");
    };
    expect(refused({ ARTIFACTS_CONNECTION_STRING: AZURITE, ARTIFACTS_ACCOUNT_URL: "https://a.blob.core.windows.net" })).toContain("ARTIFACTS_CONNECTION_STRING: set ARTIFACTS_CONNECTION_STRING or ARTIFACTS_ACCOUNT_URL, not both");
    expect(refused({ ARTIFACTS_CONNECTION_STRING: "hello" })).toContain("ARTIFACTS_CONNECTION_STRING must be a Storage connection string");
    expect(refused({ ARTIFACTS_ACCOUNT_URL: "not a url" })).toContain("ARTIFACTS_ACCOUNT_URL must be the account's blob URL");
    expect(refused({ LOG_FLUSH_SECONDS: "0" })).toContain("LOG_FLUSH_SECONDS");
  });
});
