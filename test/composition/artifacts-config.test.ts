import pino from "pino";
import { describe, expect, it } from "vitest";
import { MemoryArtifactStore } from "../../artifacts/memory/memory-artifact-store.js";
import { compileCoordinatorConfig } from "../../composition/coordinator-config.js";
import { buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { waitFor } from "../support/dispatch-harness.js";
import { testTopology } from "../support/topology-fixture.js";

const AZURITE = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

describe("the coordinator's artifact settings", () => {
  it("keep 30 days in one container by default, and nothing is served without a store", () => {
    expect(compileCoordinatorConfig({})).toMatchObject({ artifacts: undefined, artifactRetentionDays: 30 });
    expect(compileCoordinatorConfig({ ARTIFACTS_CONNECTION_STRING: AZURITE, ARTIFACT_RETENTION_DAYS: "0" })).toMatchObject({
      artifacts: { kind: "azure-blob", connectionString: AZURITE, container: "fleet-artifacts" },
      artifactRetentionDays: undefined,
    });
    expect(compileCoordinatorConfig({ ARTIFACTS_ACCOUNT_URL: "https://fleetart.blob.core.windows.net", ARTIFACTS_CONTAINER: "logs" }).artifacts).toEqual({
      kind: "azure-blob",
      accountUrl: "https://fleetart.blob.core.windows.net",
      container: "logs",
    });
  });

  it("name what is wrong", () => {
    expect(() => compileCoordinatorConfig({ ARTIFACTS_CONNECTION_STRING: AZURITE, ARTIFACTS_ACCOUNT_URL: "https://a.blob.core.windows.net" })).toThrow(/ARTIFACTS_CONNECTION_STRING or ARTIFACTS_ACCOUNT_URL, not both/);
    expect(() => compileCoordinatorConfig({ ARTIFACTS_CONNECTION_STRING: "nonsense" })).toThrow(/must be a Storage connection string/);
    expect(() => compileCoordinatorConfig({ ARTIFACTS_CONTAINER: "Not_A_Container" })).toThrow(/ARTIFACTS_CONTAINER/);
    expect(() => compileCoordinatorConfig({ ARTIFACT_RETENTION_DAYS: "-1" })).toThrow(/ARTIFACT_RETENTION_DAYS/);
  });

  it("run the retention sweep with the loop, on its own", async () => {
    // Blobs written three days ago (the store's clock), a retention of one day.
    const store = new MemoryArtifactStore({ clock: { now: () => Date.now() - 3 * 86_400_000 } });
    await store.append("acme/j-gone/1/attempt.log", Buffer.from("old"));
    const app = await buildCoordinatorProcess({
      store: new MemoryStore(),
      topology: testTopology(),
      credentials: new CredentialRegistry({ operators: [], factories: [] }),
      logger: pino({ level: "silent" }),
      loop: { maxIdleMs: 50 },
      http: false,
      processMetrics: false,
      artifacts: { store, retentionDays: 1, sweepEveryMs: 50 },
    });
    try {
      await waitFor(async () => (await store.stat("acme/j-gone/1/attempt.log")) === undefined, 5000, "the sweep to delete the expired log");
    } finally {
      await app.close();
    }
  });
});
