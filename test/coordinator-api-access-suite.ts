import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobDoc } from "../contracts/index.js";
import { FACTORY_STALE_AFTER_MS } from "../composition/coordinator-process.js";
import type { StorePort } from "../store/port.js";
import { type ApiHarness, startApiHarness } from "./support/api-harness.js";

type MakeStore = () => Promise<{ store: StorePort; cleanup(): Promise<void> }>;

/** Credentials at run time and the factory registry over HTTP, run against every store adapter. */
export function runAccessApiSuite(name: string, makeStore: MakeStore): void {
  describe(`access control and the factory registry on ${name}`, () => {
    let h: ApiHarness;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const made = await makeStore();
      cleanup = made.cleanup;
      h = await startApiHarness(made.store);
    });
    afterEach(async () => {
      await h.close();
      await cleanup();
    });

    const enrollmentToken = async (body: Record<string, unknown> = {}) => {
      const response = await h.call("POST", "/fleet/enrollment-tokens", { body: { pool: "general", ...body } });
      expect(response.statusCode, response.body).toBe(201);
      return response.json() as { id: string; token: string; state: string; maxUses: number | null };
    };
    const enroll = async (token: string, body: Record<string, unknown> = {}) => h.call("POST", "/fleet/factories/enroll", { token, body });
    const heartbeat = (token: string, body: Record<string, unknown> = { load: 0, seats: 1 }) => h.call("POST", "/fleet/factories/heartbeat", { token, body });

    describe("enrollment", () => {
      it("exchanges an enrollment token for a factory token bound to one factory id", async () => {
        const enrollment = await enrollmentToken({ maxUses: 2, label: "ci runners" });
        const response = await enroll(enrollment.token, { factoryId: "runner-1" });
        expect(response.statusCode, response.body).toBe(201);
        const enrolled = response.json();
        expect(enrolled).toMatchObject({ factoryId: "runner-1", pool: "general", productId: "acme" });
        expect(enrolled.token.startsWith("factory:runner-1.")).toBe(true);
        expect(Date.parse(enrolled.expiresAt)).toBe(h.clock.now() + 86_400_000);

        expect((await heartbeat(enrolled.token)).statusCode).toBe(200);
        const listed = (await h.call("GET", "/fleet/factories")).json();
        expect(listed.items).toEqual([
          expect.objectContaining({ id: "runner-1", pool: "general", productId: "acme", status: "live", credential: "enrolled", currentJobs: [] }),
        ]);
        // The enrollment token is not a factory token, and a factory token does not enroll.
        expect((await heartbeat(enrollment.token)).statusCode).toBe(403);
        expect((await enroll(enrolled.token)).statusCode).toBe(403);
      });

      it("counts uses, refuses a used-up, expired or revoked enrollment token, and lists tokens without secrets", async () => {
        const once = await enrollmentToken({ maxUses: 1 });
        expect((await enroll(once.token)).statusCode).toBe(201);
        expect((await enroll(once.token)).statusCode).toBe(401);
        const short = await enrollmentToken({ expiresInSeconds: 60 });
        const revoked = await enrollmentToken();
        expect((await h.call("POST", `/fleet/enrollment-tokens/${revoked.id}/revoke`)).statusCode).toBe(200);
        expect((await enroll(revoked.token)).statusCode).toBe(401);
        h.clock.advance(61_000);
        expect((await enroll(short.token)).statusCode).toBe(401);

        const list = await h.call("GET", "/fleet/enrollment-tokens");
        expect(list.statusCode).toBe(200);
        const states = Object.fromEntries((list.json().items as { id: string; state: string; uses: number }[]).map((item) => [item.id, [item.state, item.uses]]));
        expect(states).toEqual({ [once.id]: ["used_up", 1], [short.id]: ["expired", 0], [revoked.id]: ["revoked", 0] });
        for (const token of [once.token, short.token, revoked.token]) expect(list.body).not.toContain(token.split(".").at(-1));
        // Another product sees none of them.
        expect((await h.call("GET", "/fleet/enrollment-tokens", { as: "otherOperator" })).json().items).toEqual([]);
      });

      it("refuses a factory id that is enrolled already, and an unknown pool", async () => {
        const enrollment = await enrollmentToken();
        expect((await enroll(enrollment.token, { factoryId: "dup" })).statusCode).toBe(201);
        const again = await enroll(enrollment.token, { factoryId: "dup" });
        expect(again.statusCode).toBe(409);
        expect(again.json().error.code).toBe("ALREADY_EXISTS");
        const chosen = await enroll(enrollment.token);
        expect(chosen.json().factoryId).toMatch(/^general-[0-9a-f]{8}$/);
        const badPool = await h.call("POST", "/fleet/enrollment-tokens", { body: { pool: "nosuch" } });
        expect(badPool.statusCode).toBe(400);
        expect(badPool.json().error.message).toContain("no pool 'nosuch'");
      });

      it("needs a product for a fleet-wide key, and no load tester issues credentials", async () => {
        const fleet = await h.call("POST", "/fleet/enrollment-tokens", { as: "fleetOperator", body: { pool: "general" } });
        expect(fleet.statusCode).toBe(400);
        expect(fleet.json().error.message).toContain("never span products");
        expect((await h.call("POST", "/fleet/enrollment-tokens", { as: "fleetOperator", body: { pool: "general", productId: "globex" } })).statusCode).toBe(201);
        const tester = (await h.call("POST", "/fleet/operators", { body: { role: "load-tester" } })).json();
        const refused = await h.call("POST", "/fleet/enrollment-tokens", { token: tester.token, body: { pool: "general" } });
        expect(refused.statusCode).toBe(403);
        expect(refused.json().error.message).toContain("role 'load-tester'");
      });
    });

    describe("factory tokens", () => {
      it("rotates with a grace period for the previous token, and revokes at once", async () => {
        const enrolled = (await enroll((await enrollmentToken()).token, { factoryId: "f-rot" })).json();
        const rotated = await h.call("POST", "/fleet/factories/f-rot/token/rotate", { token: enrolled.token, body: { graceSeconds: 30 } });
        expect(rotated.statusCode, rotated.body).toBe(200);
        const fresh = rotated.json();
        expect(Date.parse(fresh.previousTokenValidUntil)).toBe(h.clock.now() + 30_000);
        expect((await heartbeat(enrolled.token)).statusCode).toBe(200);
        expect((await heartbeat(fresh.token)).statusCode).toBe(200);
        h.clock.advance(30_000);
        expect((await heartbeat(enrolled.token)).statusCode).toBe(401);
        expect((await heartbeat(fresh.token)).statusCode).toBe(200);
        const revoked = await h.call("POST", "/fleet/factories/f-rot/token/revoke");
        expect(revoked.statusCode).toBe(200);
        expect((await heartbeat(fresh.token)).statusCode).toBe(401);
        // Revoked stays revoked: nothing left to rotate.
        expect((await h.call("POST", "/fleet/factories/f-rot/token/rotate")).statusCode).toBe(404);
      });

      it("lets only the factory itself or an operator of its product act on its token", async () => {
        const token = (await enrollmentToken()).token;
        const a = (await enroll(token, { factoryId: "f-a" })).json();
        const b = (await enroll(token, { factoryId: "f-b" })).json();
        expect((await h.call("POST", "/fleet/factories/f-a/token/revoke", { token: b.token })).statusCode).toBe(404);
        expect((await h.call("POST", "/fleet/factories/f-a/token/revoke", { as: "otherOperator" })).statusCode).toBe(404);
        expect((await heartbeat(a.token)).statusCode).toBe(200);
        expect((await h.call("POST", "/fleet/factories/f-a/token/revoke", { token: a.token })).statusCode).toBe(200);
        expect((await heartbeat(a.token)).statusCode).toBe(401);
      });

      it("takes the factory id from an enrolled token, never from X-Factory-Id", async () => {
        const enrolled = (await enroll((await enrollmentToken()).token, { factoryId: "f-own" })).json();
        const spoofed = await h.call("POST", "/fleet/factories/heartbeat", { token: enrolled.token, factoryId: "someone-else", body: { load: 0, seats: 1 } });
        expect(spoofed.statusCode).toBe(403);
        expect((await h.call("POST", "/fleet/factories/heartbeat", { token: enrolled.token, factoryId: "f-own", body: { load: 0, seats: 1 } })).statusCode).toBe(200);
      });
    });

    describe("operator keys", () => {
      it("issues, lists, rotates and revokes operator keys; file keys are changed in the file", async () => {
        const created = await h.call("POST", "/fleet/operators", { body: { id: "op-ci", label: "CI", rateLimit: { perSecond: 50, burst: 100 } } });
        expect(created.statusCode, created.body).toBe(201);
        const key = created.json();
        expect(key).toMatchObject({ id: "op-ci", productId: "acme", role: "operator", source: "store", state: "active", rateLimit: { perSecond: 50, burst: 100 } });
        expect((await h.call("GET", "/fleet/queue-state", { token: key.token })).statusCode).toBe(200);

        const list = await h.call("GET", "/fleet/operators");
        const ids = (list.json().items as { id: string; source: string }[]).map((item) => `${item.id}:${item.source}`);
        expect(ids).toEqual(["op-acme:file", "op-ci:store"]);
        expect(list.body).not.toContain(key.token.split(".").at(-1));

        const rotated = (await h.call("POST", "/fleet/operators/op-ci/token/rotate", { token: key.token, body: { graceSeconds: 0 } })).json();
        expect((await h.call("GET", "/fleet/queue-state", { token: key.token })).statusCode).toBe(401);
        expect((await h.call("GET", "/fleet/queue-state", { token: rotated.token })).statusCode).toBe(200);
        expect((await h.call("POST", "/fleet/operators/op-ci/token/revoke")).statusCode).toBe(200);
        expect((await h.call("GET", "/fleet/queue-state", { token: rotated.token })).statusCode).toBe(401);

        const file = await h.call("POST", "/fleet/operators/op-acme/token/revoke");
        expect(file.statusCode).toBe(403);
        expect(file.json().error.message).toContain("CREDENTIALS_FILE");
        expect((await h.call("POST", "/fleet/operators", { body: { id: "op-ci" } })).json().error.code).toBe("ALREADY_EXISTS");
      });

      it("keeps products apart: a product key issues for its product only and cannot see or revoke another's keys", async () => {
        const other = await h.call("POST", "/fleet/operators", { body: { productId: "globex" } });
        expect(other.statusCode).toBe(403);
        const globex = (await h.call("POST", "/fleet/operators", { as: "otherOperator", body: { id: "op-globex-2" } })).json();
        expect(globex.productId).toBe("globex");
        expect((await h.call("POST", "/fleet/operators/op-globex-2/token/revoke")).statusCode).toBe(404);
        expect((await h.call("GET", "/fleet/operators")).json().items.map((item: { id: string }) => item.id)).not.toContain("op-globex-2");
        const fleet = (await h.call("GET", "/fleet/operators", { as: "fleetOperator" })).json().items.map((item: { id: string }) => item.id);
        expect(fleet).toEqual(expect.arrayContaining(["op-acme", "op-globex", "op-fleet", "op-globex-2"]));
      });
    });

    describe("batch submit", () => {
      const job = (key: string) => ({ idempotencyKey: key, bodyMd: `# ${key}`, capabilities: ["lang:ts"] });
      const batch = (jobs: unknown[], options: { as?: "operator" | "otherOperator" | "fleetOperator" | "general" | "revoked"; token?: string | null; factoryId?: string } = {}) =>
        h.call("POST", "/fleet/jobs/batch", { body: { jobs }, ...options });

      it("takes operator keys of a product only: no factory, no fleet-wide key, no caller without a valid token", async () => {
        const before = h.store.stats().ops.create;
        const factory = await batch([job("a")], { as: "general", factoryId: "f-1" });
        expect(factory.statusCode).toBe(403);
        expect(factory.json().error.message).toContain("this call is for operators");
        const fleet = await batch([job("a")], { as: "fleetOperator" });
        expect(fleet.statusCode).toBe(403);
        expect(fleet.json().error.message).toContain("use that product's key");
        expect((await batch([job("a")], { as: "revoked" })).statusCode).toBe(401);
        expect((await batch([job("a")], { token: null })).statusCode).toBe(401);
        expect(h.store.stats().ops.create).toBe(before);
        const globex = (await batch([job("g-1"), job("g-2")], { as: "otherOperator" })).json().results as { job: { id: string } }[];
        for (const result of globex) {
          expect((await h.call("GET", `/fleet/jobs/${result.job.id}`, { as: "otherOperator" })).json().productId).toBe("globex");
          expect((await h.call("GET", `/fleet/jobs/${result.job.id}`)).statusCode).toBe(404);
        }
      });

      it("counts each job of a batch as one request against the credential's limit; a load tester submits thousands at once", async () => {
        const limited = await startApiHarness(h.store, undefined, { rateLimit: { perSecond: 1, burst: 10 } });
        try {
          const call = (jobs: unknown[]) => limited.call("POST", "/fleet/jobs/batch", { body: { jobs } });
          expect((await call([job("r-1"), job("r-2"), job("r-3"), job("r-4"), job("r-5"), job("r-6"), job("r-7"), job("r-8")])).statusCode).toBe(200);
          const refused = await call([job("r-9"), job("r-10"), job("r-11"), job("r-12"), job("r-13")]);
          expect(refused.statusCode).toBe(429);
          expect(refused.json().error.message).toContain("a batch of 5 jobs costs 5 requests");
          expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(2);
          // A batch larger than the burst is admitted from a full bucket and leaves it in debt.
          const big = await startApiHarness(h.store, undefined, { rateLimit: { perSecond: 1, burst: 10 } });
          try {
            expect((await big.call("POST", "/fleet/jobs/batch", { body: { jobs: Array.from({ length: 25 }, (_, i) => job(`big-${i}`)) } })).statusCode).toBe(200);
            const next = await big.call("GET", "/fleet/queue-state");
            expect(next.statusCode).toBe(429);
            expect(Number(next.headers["retry-after"])).toBeGreaterThanOrEqual(14);
          } finally {
            await big.close();
          }
        } finally {
          await limited.close();
        }
        const tester = (await h.call("POST", "/fleet/operators", { body: { role: "load-tester" } })).json().token as string;
        const submitAs = (jobs: unknown[]) => h.call("POST", "/fleet/jobs/batch", { token: tester, body: { jobs } });
        const batches = [0, 1, 2].map((b) => Array.from({ length: 1000 }, (_, i) => job(`lt-${b}-${i}`)));
        const started = Date.now();
        const answers = await Promise.all(batches.map(submitAs));
        const seconds = (Date.now() - started) / 1000;
        expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
        // Under load a store request may time out: that spec answers 503, as its single submit would,
        // and resubmitting it is safe (idempotent by key). Nothing else may fail.
        type Item = { index: number; status: number; outcome?: string; job?: { idempotencyKey: string } };
        const landed = new Set<string>();
        const unlanded = (specs: { idempotencyKey: string }[], results: Item[]) =>
          results.flatMap((result) => {
            if (result.outcome !== undefined) {
              landed.add(result.job!.idempotencyKey);
              return [];
            }
            expect(result.status).toBe(503);
            return [specs[result.index]!];
          });
        let pending = answers.flatMap((answer, b) => unlanded(batches[b]!, answer.json().results as Item[]));
        const retried = pending.length;
        for (let round = 0; round < 3 && pending.length > 0; round++) pending = unlanded(pending, (await submitAs(pending)).json().results as Item[]);
        expect(pending).toEqual([]);
        expect(landed.size).toBe(3000);
        console.info(`load tester: 3,000 jobs in 3 concurrent batches in ${seconds.toFixed(2)} s (${Math.round(3000 / seconds)} jobs/s); ${retried} resubmitted after a 503`);
      }, 120_000);
    });

    describe("the factory registry", () => {
      it("lists live and stale factories with the jobs they hold, and rolls their health into pool health", async () => {
        const token = (await enrollmentToken()).token;
        const worker = (await enroll(token, { factoryId: "f-work" })).json();
        const sick = (await enroll(token, { factoryId: "f-sick" })).json();
        const job = (await h.call("POST", "/fleet/jobs", { body: { idempotencyKey: "r", bodyMd: "x", capabilities: ["lang:ts"] } })).json().job as JobDoc;
        await h.tick();
        expect((await h.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { token: worker.token, body: { leaseEpoch: 1 } })).statusCode).toBe(200);
        await heartbeat(worker.token, { load: 1, seats: 1, version: "1.2.3" });
        await heartbeat(sick.token, { load: 0, seats: 1, health: "degraded" });

        const live = (await h.call("GET", "/fleet/factories?status=live")).json();
        expect(live.staleAfterSeconds).toBe(FACTORY_STALE_AFTER_MS / 1000);
        const work = live.items.find((item: { id: string }) => item.id === "f-work");
        expect(work).toMatchObject({ version: "1.2.3", load: 1, seats: 1, health: "ok", status: "live", currentJobs: [job.id] });
        const general = (await h.call("GET", "/fleet/pools")).json().items.find((pool: { name: string }) => pool.name === "general");
        expect(general).toMatchObject({ health: "degraded", factories: { live: 2, stale: 0, ok: 1, degraded: 1, down: 0 } });
        expect(general.healthReason).toContain("degraded");

        h.clock.advance(FACTORY_STALE_AFTER_MS + 1000);
        await heartbeat(sick.token, { load: 0, seats: 1, health: "ok" });
        const stale = (await h.call("GET", "/fleet/factories?status=stale")).json().items;
        expect(stale.map((item: { id: string }) => item.id)).toEqual(["f-work"]);
        // A silent factory that still holds a lease degrades its pool.
        const after = (await h.call("GET", "/fleet/pools")).json().items.find((pool: { name: string }) => pool.name === "general");
        expect(after).toMatchObject({ health: "degraded", factories: { live: 1, stale: 1 } });
        expect(after.healthReason).toContain("silent");
        expect((await h.call("GET", "/fleet/factories", { as: "otherOperator" })).json().items).toEqual([]);
      });

      it("deregisters on a clean exit: the document goes and the enrolled token with it; repeating is harmless", async () => {
        const enrolled = (await enroll((await enrollmentToken()).token, { factoryId: "f-exit" })).json();
        await heartbeat(enrolled.token);
        const gone = await h.call("POST", "/fleet/factories/f-exit/deregister", { token: enrolled.token });
        expect(gone.statusCode, gone.body).toBe(200);
        expect(gone.json()).toEqual({ factoryId: "f-exit", removed: true, tokenRevoked: true });
        expect(await h.store.get("factories", "f-exit", "acme")).toBeUndefined();
        expect((await h.call("GET", "/fleet/factories")).json().items).toEqual([]);
        expect((await heartbeat(enrolled.token)).statusCode).toBe(401);
        // A pool-token factory deregisters itself too; its shared token stays valid.
        await h.call("POST", "/fleet/factories/heartbeat", { as: "general", factoryId: "p-1", body: { load: 0, seats: 1 } });
        const pooled = await h.call("POST", "/fleet/factories/p-1/deregister", { as: "general", factoryId: "p-1" });
        expect(pooled.json()).toEqual({ factoryId: "p-1", removed: true, tokenRevoked: false });
        expect((await h.call("POST", "/fleet/factories/p-1/deregister", { as: "general", factoryId: "p-1" })).json()).toEqual({ factoryId: "p-1", removed: false, tokenRevoked: false });
        // Another instance of the pool cannot deregister p-1.
        expect((await h.call("POST", "/fleet/factories/p-1/deregister", { as: "general", factoryId: "p-2" })).statusCode).toBe(404);
      });
    });
  });
}
