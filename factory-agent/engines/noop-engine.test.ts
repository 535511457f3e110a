import { describe, expect, it } from "vitest";
import { NoopEngine } from "./noop-engine.js";
import { FakeEngineContext } from "./fake-engine-context.js";

describe("NoopEngine", () => {
  it("ships at once without reporting a stage", async () => {
    const context = new FakeEngineContext();
    const outcome = await new NoopEngine().run({ id: "j1", bodyMd: "anything" } as never, context);
    expect(outcome).toEqual({ kind: "shipped" });
    expect(context.reports).toEqual([]);
  });
});
