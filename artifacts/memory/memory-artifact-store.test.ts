import { describe, expect, it } from "vitest";
import { ManualClock } from "../../test/support/manual-clock.js";
import { runArtifactStoreContract } from "../contract/artifact-store-contract.js";
import { isArtifactError } from "../port.js";
import { createArtifactStore } from "../registry.js";
import { MemoryArtifactStore } from "./memory-artifact-store.js";

runArtifactStoreContract("memory", async () => ({ store: new MemoryArtifactStore(), signsLinks: false, cleanup: async () => undefined }));

describe("memory artifact store: what only tests need", () => {
  it("stamps writes with its clock, for retention on a manual clock", async () => {
    const clock = new ManualClock(5_000);
    const store = createArtifactStore({ kind: "memory", clock });
    await store.append("p/j/1/attempt.log", Buffer.from("a"));
    clock.advance(1000);
    await store.append("p/j/1/attempt.log", Buffer.from("b"));
    expect((await store.stat("p/j/1/attempt.log"))?.modifiedAt).toBe(6_000);
  });

  it("fails every call while it is down", async () => {
    let down = true;
    const store = new MemoryArtifactStore({ down: () => down });
    expect(isArtifactError(await store.append("k", Buffer.from("x")).catch((e: unknown) => e), "unavailable")).toBe(true);
    down = false;
    await store.append("k", Buffer.from("x"));
    expect((await store.stat("k"))?.bytes).toBe(1);
  });
});
