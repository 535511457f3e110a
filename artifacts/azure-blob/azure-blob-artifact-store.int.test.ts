import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AzuriteProcess, startAzurite } from "../../stack/azurite-process.js";
import { runArtifactStoreContract } from "../contract/artifact-store-contract.js";
import { isArtifactError } from "../port.js";
import { createArtifactStore } from "../registry.js";

// One Azurite for this file (Microsoft's Storage emulator, as a child process on a free port);
// each suite gets its own container, reached through the real @azure/storage-blob SDK.
let azurite: AzuriteProcess | undefined;
let containers = 0;
const emulator = async () => {
  azurite ??= await startAzurite();
  return azurite;
};
afterAll(async () => {
  await azurite?.stop();
});

runArtifactStoreContract("Azure Blob Storage through the SDK on Azurite", async () => {
  const { connectionString } = await emulator();
  return { store: createArtifactStore({ kind: "azure-blob", connectionString, container: `contract-${process.pid}-${++containers}` }), signsLinks: true, cleanup: async () => undefined };
});

describe("Azure Blob adapter when Blob Storage does not answer", () => {
  let stopped: AzuriteProcess;
  beforeAll(async () => {
    stopped = await startAzurite();
    await stopped.stop();
  });

  it("fails with 'unavailable', naming what it was doing", async () => {
    const store = createArtifactStore({ kind: "azure-blob", connectionString: stopped.connectionString, container: "gone" });
    const failure = await store.append("acme/j-1/1/attempt.log", Buffer.from("x")).catch((error: unknown) => error);
    expect(isArtifactError(failure, "unavailable"), String(failure)).toBe(true);
    expect(String((failure as Error).message)).toContain("appending to acme/j-1/1/attempt.log");
  }, 60_000);
});
