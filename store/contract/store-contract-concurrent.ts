import { describe, expect, it } from "vitest";
import { EstimatedRu, jsonLengthOf } from "../estimated-ru.js";
import { isStoreError, type StoreErrorCode, type StorePort } from "../port.js";
import { assignedJob, factoryDoc, jobDoc } from "./store-contract-docs.js";

type Outcome = "ok" | StoreErrorCode;

async function outcomeOf(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (!isStoreError(error)) throw error;
    return error.code;
  }
}

/**
 * Many writes in flight at once, as a scheduling pass issues them: an adapter may group them into
 * fewer requests (Cosmos DB bulk calls), but each keeps its own precondition and its own outcome,
 * exactly as if it had been sent alone.
 */
export function runConcurrentWritesContract(store: () => StorePort): void {
  describe("concurrent writes", () => {
    it("gives each of 300 concurrent conditional replaces its own outcome: stale ones conflict, the others apply", async () => {
      const s = store();
      const n = 300;
      const created = await Promise.all(Array.from({ length: n }, (_, i) => s.create("jobs", jobDoc(`c-${i}`))));
      const stale = (i: number) => i % 3 === 0;
      // A stale etag is a real one: that of another document.
      const etagFor = (i: number) => (stale(i) ? created[(i + 1) % n]!.etag : created[i]!.etag);
      const before = s.stats();
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          s.replace("jobs", assignedJob(`c-${i}`, `pool-${i}`), etagFor(i)).then(
            (stored) => ({ outcome: "ok" as Outcome, stored }),
            (error: unknown) => ({ outcome: (isStoreError(error) ? error.code : String(error)) as Outcome, stored: undefined }),
          ),
        ),
      );
      const after = s.stats();
      for (let i = 0; i < n; i++) {
        const result = results[i]!;
        const stored = await s.get("jobs", `c-${i}`, `c-${i}`);
        if (stale(i)) {
          expect(result.outcome, `c-${i}`).toBe("conflict");
          expect(stored, `c-${i} must be untouched`).toEqual({ doc: jobDoc(`c-${i}`), etag: created[i]!.etag });
        } else {
          expect(result.outcome, `c-${i}`).toBe("ok");
          expect(result.stored?.doc).toEqual(assignedJob(`c-${i}`, `pool-${i}`));
          expect(stored).toEqual({ doc: assignedJob(`c-${i}`, `pool-${i}`), etag: result.stored?.etag });
        }
      }
      const staleCount = Array.from({ length: n }, (_, i) => i).filter(stale).length;
      expect(after.conflicts - before.conflicts).toBe(staleCount);
      expect(after.ops.replace - before.ops.replace).toBe(n);
      const applied = Array.from({ length: n }, (_, i) => i).filter((i) => !stale(i));
      const expectedRu =
        staleCount * EstimatedRu.rejectedWrite + applied.reduce((sum, i) => sum + EstimatedRu.write(jsonLengthOf(assignedJob(`c-${i}`, `pool-${i}`))), 0);
      expect(after.estimatedRu - before.estimatedRu).toBe(expectedRu);
    });

    it("keeps every kind of outcome apart in one burst: created, already_exists, not_found, conflict, upserted, deleted", async () => {
      const s = store();
      const existing = await Promise.all(Array.from({ length: 40 }, (_, i) => s.create("jobs", jobDoc(`e-${i}`))));
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.create("factories", factoryDoc(`f-${i}`, "acme"))));
      const calls: { name: string; expected: Outcome; call: Promise<unknown> }[] = [];
      for (let i = 0; i < 40; i++) {
        calls.push({ name: `create new n-${i}`, expected: "ok", call: s.create("jobs", jobDoc(`n-${i}`)) });
        if (i % 4 === 0) calls.push({ name: `create e-${i} again`, expected: "already_exists", call: s.create("jobs", jobDoc(`e-${i}`, { retries: 9 })) });
        else if (i % 4 === 1) calls.push({ name: `replace missing m-${i}`, expected: "not_found", call: s.replace("jobs", jobDoc(`m-${i}`), existing[i]!.etag) });
        else if (i % 4 === 2) calls.push({ name: `replace e-${i} stale`, expected: "conflict", call: s.replace("jobs", jobDoc(`e-${i}`, { retries: 9 }), '"stale"') });
        else calls.push({ name: `replace e-${i}`, expected: "ok", call: s.replace("jobs", jobDoc(`e-${i}`, { retries: 1 }), existing[i]!.etag) });
      }
      for (let i = 0; i < 20; i++) {
        calls.push(
          i % 2 === 0
            ? { name: `delete f-${i}`, expected: "ok", call: s.delete("factories", `f-${i}`, "acme") }
            : { name: `upsert f-${i}`, expected: "ok", call: s.upsert("factories", factoryDoc(`f-${i}`, "acme", { load: 1 })) },
        );
        calls.push({ name: `delete missing g-${i}`, expected: "not_found", call: s.delete("factories", `g-${i}`, "acme") });
      }
      const outcomes = await Promise.all(calls.map(async (c) => ({ name: c.name, outcome: await outcomeOf(c.call) })));
      expect(outcomes).toEqual(calls.map((c) => ({ name: c.name, outcome: c.expected })));

      for (let i = 0; i < 40; i++) {
        expect((await s.get("jobs", `n-${i}`, `n-${i}`))?.doc).toEqual(jobDoc(`n-${i}`));
        expect(await s.get("jobs", `m-${i}`, `m-${i}`)).toBeUndefined();
        expect((await s.get("jobs", `e-${i}`, `e-${i}`))?.doc.retries, `e-${i}`).toBe(i % 4 === 3 ? 1 : 0);
      }
      for (let i = 0; i < 20; i++) {
        const factory = await s.get("factories", `f-${i}`, "acme");
        if (i % 2 === 0) expect(factory).toBeUndefined();
        else expect(factory?.doc.load).toBe(1);
      }
    });
  });
}
