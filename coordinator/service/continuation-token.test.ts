import { describe, expect, it } from "vitest";
import { isFleetError } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { StoreError } from "../../store/port.js";
import { jobDoc } from "../../store/contract/store-contract-docs.js";
import { decodeContinuation, encodeContinuation, fingerprintOf } from "./continuation-token.js";
import { pagedQuery } from "./paged-query.js";

const invalid = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    expect(isFleetError(error, "VALIDATION")).toBe(true);
    expect((error as Error).message).toBe("continuation token is invalid or expired: start again without it");
    return;
  }
  throw new Error("expected the token to be refused");
};

describe("continuation tokens", () => {
  const fingerprint = fingerprintOf({ scope: "acme", stage: ["queued"], sort: "-createdAt" });

  it("round-trip the paging state for the same query, as base64url", () => {
    const token = encodeContinuation(fingerprint, { b: 1, t: "store-token" });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContinuation(token, fingerprintOf({ sort: "-createdAt", stage: ["queued"], scope: "acme" }))).toEqual({ b: 1, t: "store-token" });
  });

  it("refuse garbage, altered state, another version and another query", () => {
    const token = encodeContinuation(fingerprint, { b: 0, t: "x" });
    const wrapper = JSON.parse(Buffer.from(token, "base64url").toString());
    invalid(() => decodeContinuation("not a token!", fingerprint));
    invalid(() => decodeContinuation(Buffer.from("[1]").toString("base64url"), fingerprint));
    invalid(() => decodeContinuation(Buffer.from(JSON.stringify({ ...wrapper, s: { b: 0, t: "y" } })).toString("base64url"), fingerprint));
    invalid(() => decodeContinuation(Buffer.from(JSON.stringify({ ...wrapper, v: 2 })).toString("base64url"), fingerprint));
    invalid(() => decodeContinuation(token, fingerprintOf({ scope: "globex", stage: ["queued"], sort: "-createdAt" })));
  });

  it("turn a token the store refuses into 400, and leave an outage a store error", async () => {
    const store = new MemoryStore();
    await store.create("jobs", jobDoc("a"));
    await expect(pagedQuery(store, "jobs", { limit: 1, continuation: "forged" })).rejects.toThrow("continuation token is invalid or expired");
    const down = new MemoryStore();
    down.query = async () => {
      throw new StoreError("unavailable", "down");
    };
    await expect(pagedQuery(down, "jobs", { limit: 1, continuation: "forged" })).rejects.toBeInstanceOf(StoreError);
    await expect(pagedQuery(down, "jobs", { limit: 1 })).rejects.toBeInstanceOf(StoreError);
  });
});
