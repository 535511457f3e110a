import { describe, expect, it } from "vitest";
import { isStoreError, type StorePort } from "../port.js";
import { factoryDoc } from "./store-contract-docs.js";

/**
 * Time to live as Cosmos DB applies it (store/port.ts): the `factories` container has TTL on with
 * a default, so the cases use it. Waits are whole seconds apart because Cosmos DB counts from the
 * last write's `_ts`, which has one-second resolution.
 */
export function runTtlContract(
  store: () => StorePort,
  clock: { pass(ms: number): Promise<void>; controllable(): boolean },
  gap: string | undefined,
): void {
  const pass = (ms: number) => clock.pass(ms);
  describe("time to live", () => {
    const test = gap === undefined ? it : it.skip;
    const suffix = gap === undefined ? "" : ` (skipped: ${gap})`;

    test(`hides a document once its ttl has passed since its last write; a rewrite starts the clock again${suffix}`, async () => {
      const s = store();
      await s.create("factories", factoryDoc("gone", "acme", { ttl: 3 }));
      await s.create("factories", factoryDoc("kept", "acme", { ttl: -1 }));
      await s.create("factories", factoryDoc("renewed", "acme", { ttl: 3 }));
      await pass(1500);
      await s.upsert("factories", factoryDoc("renewed", "acme", { ttl: 3, load: 1 }));
      await pass(1700);
      expect(await s.get("factories", "gone", "acme")).toBeUndefined();
      expect((await s.get("factories", "kept", "acme"))?.doc.id).toBe("kept");
      expect((await s.get("factories", "renewed", "acme"))?.doc.load).toBe(1);
      const listed = await s.query("factories", { partitionKey: "acme" });
      expect(listed.items.map((item) => item.doc.id).sort()).toEqual(["kept", "renewed"]);
    });

    test(`treats an expired document as missing for replace and delete, and lets it be created again${suffix}`, async () => {
      const s = store();
      const created = await s.create("factories", factoryDoc("f", "acme", { ttl: 1 }));
      await pass(2100);
      const replace = await s.replace("factories", factoryDoc("f", "acme", { ttl: 1 }), created.etag).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isStoreError(replace, "not_found")).toBe(true);
      const removal = await s.delete("factories", "f", "acme").then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isStoreError(removal, "not_found")).toBe(true);
      const again = await s.create("factories", factoryDoc("f", "acme", { ttl: 60 }));
      expect((await s.get("factories", "f", "acme"))?.etag).toBe(again.etag);
    });

    test(`expires documents without their own ttl by the container's default${suffix}`, async (context) => {
      // Ten minutes: only with a clock the suite can move.
      if (!clock.controllable()) context.skip();
      const s = store();
      await s.create("factories", factoryDoc("default", "acme"));
      await pass(599_000);
      expect((await s.get("factories", "default", "acme"))?.doc.id).toBe("default");
      await pass(2_000);
      expect(await s.get("factories", "default", "acme")).toBeUndefined();
    });
  });
}
