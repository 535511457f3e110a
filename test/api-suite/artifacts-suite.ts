import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  ArtifactDeleteResponse,
  ArtifactListResponse,
  artifactFileKey,
  artifactIdOf,
  attemptLogKey,
  type JobDoc,
  LogChunkResponse,
} from "../../contracts/index.js";
import { mintToken } from "../../coordinator/auth/credentials.js";
import { MemoryArtifactStore } from "../../artifacts/memory/memory-artifact-store.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";
import { ManualClock } from "../support/manual-clock.js";
import { type MakeStore, spec } from "./suite-context.js";

const DAY = 86_400_000;
const loader = mintToken("op-load");

/** Artifacts over HTTP: pointers on the job, bytes in the artifact store (memory here; the Blob
 * adapter passes the same port contract on Azurite). */
export function artifactsSuite(makeStore: MakeStore): void {
  describe("artifacts and logs", () => {
    let h: ApiHarness | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    let bytes: MemoryArtifactStore;
    afterEach(async () => {
      await h?.close();
      await cleanup?.();
      h = undefined;
    });
    const start = async (options: { retentionDays?: number; withStore?: boolean } = {}) => {
      const made = await makeStore();
      cleanup = made.cleanup;
      const clock = new ManualClock();
      bytes = new MemoryArtifactStore({ clock });
      h = await startApiHarness(made.store, undefined, {
        clock,
        credentials: { operators: [{ id: "op-load", productId: "acme", role: "load-tester", secretSha256: loader.secretSha256, revoked: false }] },
        artifacts: { ...(options.withStore === false ? {} : { store: bytes }), ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }) },
      });
      return h;
    };
    const matches = async <T>(schema: z.ZodType<T>, response: { statusCode: number; body: string; json(): unknown }): Promise<T> => {
      expect(response.statusCode, response.body).toBe(200);
      const parsed = schema.safeParse(response.json());
      expect(parsed.success, parsed.error?.message).toBe(true);
      return parsed.data as T;
    };
    /** A job accepted by f-1: running, its attempt's log being written. */
    const running = async (key: string) => {
      const job = (await h!.call("POST", "/fleet/jobs", { body: spec(key) })).json().job as JobDoc;
      await h!.tick();
      const assigned = (await h!.call("GET", `/fleet/jobs/${job.id}`)).json() as JobDoc;
      expect((await h!.call("POST", `/fleet/jobs/${job.id}/lease/accept`, { as: "general", factoryId: "f-1", body: { leaseEpoch: assigned.leaseEpoch } })).statusCode).toBe(200);
      return assigned;
    };
    /** What the agent does at release: uploads, then reports the pointers. */
    const releaseWithArtifacts = async (job: JobDoc, extra: unknown[] = []) => {
      const logKey = attemptLogKey("acme", job.id, job.leaseEpoch);
      const fileKey = artifactFileKey("acme", job.id, job.leaseEpoch, 1, "report.md");
      await bytes.put(fileKey, Buffer.from("# report\nall green\n"), { contentType: "text/markdown; charset=utf-8" });
      const now = h!.clock.now();
      const artifacts = [
        { id: artifactIdOf(job.id, job.leaseEpoch, "log"), name: "attempt.log", kind: "log", key: logKey, uri: bytes.uriOf(logKey), bytes: (await bytes.stat(logKey))?.bytes ?? 0, contentType: "text/plain; charset=utf-8", uploadedAt: now },
        { id: artifactIdOf(job.id, job.leaseEpoch, 1), name: "report.md", kind: "file", key: fileKey, uri: bytes.uriOf(fileKey), bytes: 19, contentType: "text/markdown; charset=utf-8", uploadedAt: now },
        ...extra,
      ];
      return h!.call("POST", `/fleet/jobs/${job.id}/lease/release`, { as: "general", factoryId: "f-1", body: { leaseEpoch: job.leaseEpoch, outcome: "shipped", artifacts } });
    };

    it("serves the live log while the attempt runs, by offset, never splitting a character", async () => {
      await start();
      const job = await running("live");
      const logKey = attemptLogKey("acme", job.id, job.leaseEpoch);
      const url = `/fleet/jobs/${job.id}/runs/${job.leaseEpoch}/log`;
      expect(await matches(LogChunkResponse, await h!.call("GET", url))).toMatchObject({ text: "", size: 0, nextOffset: 0, live: true });
      await bytes.append(logKey, Buffer.from("[fleet] building\nstep 1 ok\n"));
      const first = await matches(LogChunkResponse, await h!.call("GET", url));
      expect(first).toMatchObject({ text: "[fleet] building\nstep 1 ok\n", offset: 0, nextOffset: 27, size: 27, live: true });
      await bytes.append(logKey, Buffer.from("café ☕\n"));
      // "café ☕\n" is 10 bytes: é takes 2, ☕ takes 3. A limit that ends inside one stops before it.
      const cut = await matches(LogChunkResponse, await h!.call("GET", `${url}?offset=27&limit=4`));
      expect(cut).toMatchObject({ text: "caf", offset: 27, nextOffset: 30, size: 37 });
      const next = await matches(LogChunkResponse, await h!.call("GET", `${url}?offset=${cut.nextOffset}&limit=5`));
      expect(next).toMatchObject({ text: "é ", nextOffset: 33 });
      const rest = await matches(LogChunkResponse, await h!.call("GET", `${url}?offset=${next.nextOffset}`));
      expect(rest).toMatchObject({ text: "☕\n", nextOffset: 37 });
      const listed = await matches(ArtifactListResponse, await h!.call("GET", `/fleet/jobs/${job.id}/artifacts`));
      expect(listed.items).toEqual([expect.objectContaining({ id: artifactIdOf(job.id, job.leaseEpoch, "log"), kind: "log", state: "live", download: `/fleet/artifacts/${artifactIdOf(job.id, job.leaseEpoch, "log")}` })]);
      expect((await h!.call("GET", `/fleet/jobs/${job.id}/runs/9/log`)).statusCode).toBe(404);
      // Deleting a log the run has not recorded yet records it, deleted.
      const deleted = await matches(ArtifactDeleteResponse, await h!.call("DELETE", `/fleet/artifacts/${artifactIdOf(job.id, job.leaseEpoch, "log")}`));
      expect(deleted).toMatchObject({ kind: "log", state: "deleted", deletedBy: "op-acme" });
      expect(await bytes.stat(logKey)).toBeUndefined();
      const after = await matches(ArtifactListResponse, await h!.call("GET", `/fleet/jobs/${job.id}/artifacts`));
      expect(after.items.map((item) => [item.kind, item.state])).toEqual([["log", "deleted"]]);
      const read = await h!.call("GET", url);
      expect(read.statusCode).toBe(404);
      expect(read.json().error.message).toContain("was deleted by op-acme");
    });

    it("lists the pointers a release recorded and streams their bytes, in the token's product only", async () => {
      await start({ retentionDays: 30 });
      const job = await running("done");
      await bytes.append(attemptLogKey("acme", job.id, job.leaseEpoch), Buffer.from("whole log\n"));
      const released = await releaseWithArtifacts(job, [{ name: "stdout", uri: "file:///tmp/work/stdout.log" }]);
      expect(released.statusCode, released.body).toBe(200);
      const listed = await matches(ArtifactListResponse, await h!.call("GET", `/fleet/jobs/${job.id}/artifacts`));
      expect(listed.retentionDays).toBe(30);
      expect(listed.items.map((item) => [item.name, item.kind, item.state, item.bytes])).toEqual([
        ["attempt.log", "log", "available", 10],
        ["report.md", "file", "available", 19],
        ["stdout", "file", "external", null],
      ]);
      expect(listed.items[0]!.expiresAt).toBe(new Date(h!.clock.now() + 30 * DAY).toISOString());
      const download = await h!.call("GET", listed.items[1]!.download!);
      expect(download.statusCode).toBe(200);
      expect(download.body).toBe("# report\nall green\n");
      expect(download.headers["content-type"]).toBe("text/markdown; charset=utf-8");
      expect(download.headers["content-disposition"]).toBe('attachment; filename="report.md"');
      expect((await h!.call("GET", listed.items[1]!.download!, { as: "otherOperator" })).statusCode).toBe(404);
      expect((await h!.call("GET", `/fleet/jobs/${job.id}/artifacts`, { as: "otherOperator" })).statusCode).toBe(404);
      expect((await h!.call("GET", `/fleet/artifacts/${job.id}:${job.leaseEpoch}:7`)).statusCode).toBe(404);
      expect((await h!.call("GET", "/fleet/artifacts/not-an-id")).statusCode).toBe(400);
      const link = await h!.call("GET", `${listed.items[1]!.download!}/link`);
      expect(link.statusCode).toBe(503);
      expect(link.json().error.message).toContain("cannot sign download links");
    });

    it("serves operators only: a factory token is refused, and no token learns nothing", async () => {
      await start();
      const job = await running("private");
      await bytes.append(attemptLogKey("acme", job.id, job.leaseEpoch), Buffer.from("secret-ish output\n"));
      const id = artifactIdOf(job.id, job.leaseEpoch, "log");
      for (const url of [`/fleet/jobs/${job.id}/artifacts`, `/fleet/jobs/${job.id}/runs/${job.leaseEpoch}/log`, `/fleet/artifacts/${id}`, `/fleet/artifacts/${id}/link`]) {
        const asFactory = await h!.call("GET", url, { as: "general", factoryId: "f-1" });
        expect(asFactory.statusCode, url).toBe(403);
        expect(asFactory.body).not.toContain("secret-ish");
        expect((await h!.call("GET", url, { token: null })).statusCode, url).toBe(401);
      }
      expect((await h!.call("DELETE", `/fleet/artifacts/${id}`, { as: "general", factoryId: "f-1" })).statusCode).toBe(403);
      expect((await bytes.stat(attemptLogKey("acme", job.id, job.leaseEpoch)))?.bytes).toBe(18);
    });

    it("refuses pointers outside the releasing attempt's folder", async () => {
      await start();
      const job = await running("escape");
      const refused = await h!.call("POST", `/fleet/jobs/${job.id}/lease/release`, {
        as: "general",
        factoryId: "f-1",
        body: { leaseEpoch: job.leaseEpoch, outcome: "shipped", artifacts: [{ id: `${job.id}:${job.leaseEpoch}:1`, name: "x", uri: "x", key: `globex/${job.id}/${job.leaseEpoch}/files/1-x` }] },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.message).toContain("outside this attempt's folder");
    });

    it("deletes an artifact for an operator, keeping its pointer marked, idempotently; never for a load tester", async () => {
      await start();
      const job = await running("delete");
      await releaseWithArtifacts(job);
      const id = artifactIdOf(job.id, job.leaseEpoch, 1);
      expect((await h!.call("DELETE", `/fleet/artifacts/${id}`, { token: loader.token })).statusCode).toBe(403);
      const deleted = await matches(ArtifactDeleteResponse, await h!.call("DELETE", `/fleet/artifacts/${id}`));
      expect(deleted).toMatchObject({ id, state: "deleted", deletedBy: "op-acme", download: null });
      expect(await bytes.stat(artifactFileKey("acme", job.id, job.leaseEpoch, 1, "report.md"))).toBeUndefined();
      expect((await matches(ArtifactDeleteResponse, await h!.call("DELETE", `/fleet/artifacts/${id}`))).state).toBe("deleted");
      const gone = await h!.call("GET", `/fleet/artifacts/${id}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error.message).toContain("was deleted by op-acme");
      const stored = (await h!.call("GET", `/fleet/jobs/${job.id}`)).json() as JobDoc;
      expect(stored.runs[0]!.artifacts![1]).toMatchObject({ deletedBy: "op-acme", deletedAt: h!.clock.now() });
      expect((await h!.call("DELETE", `/fleet/artifacts/${id}`, { as: "otherOperator" })).statusCode).toBe(404);
    });

    it("deletes what is older than the retention and marks the pointers, once", async () => {
      await start({ retentionDays: 1 });
      const old = await running("old");
      await bytes.append(attemptLogKey("acme", old.id, old.leaseEpoch), Buffer.from("old log\n"));
      await releaseWithArtifacts(old);
      h!.clock.advance(DAY + 1000);
      const young = await running("young");
      await bytes.append(attemptLogKey("acme", young.id, young.leaseEpoch), Buffer.from("young log\n"));
      const expired = await matches(ArtifactListResponse, await h!.call("GET", `/fleet/jobs/${old.id}/artifacts`));
      expect(expired.items.map((item) => item.state)).toEqual(["expired", "expired"]);
      expect(await h!.app.artifacts.sweep()).toEqual({ deleted: 2, jobs: 1 });
      const swept = await matches(ArtifactListResponse, await h!.call("GET", `/fleet/jobs/${old.id}/artifacts`));
      expect(swept.items.map((item) => [item.state, item.deletedBy])).toEqual([
        ["deleted", "retention"],
        ["deleted", "retention"],
      ]);
      expect((await bytes.stat(attemptLogKey("acme", young.id, young.leaseEpoch)))?.bytes).toBe(10);
      const writes = h!.store.stats().ops.replace;
      expect(await h!.app.artifacts.sweep()).toEqual({ deleted: 0, jobs: 0 });
      expect(h!.store.stats().ops.replace).toBe(writes);
    });

    it("lists pointers without an artifact store, and says what to configure to download", async () => {
      await start({ withStore: false });
      const job = await running("no-store");
      await releaseWithArtifacts(job);
      const listed = await matches(ArtifactListResponse, await h!.call("GET", `/fleet/jobs/${job.id}/artifacts`));
      expect(listed.items).toHaveLength(2);
      const download = await h!.call("GET", listed.items[0]!.download!);
      expect(download.statusCode).toBe(503);
      expect(download.json().error).toMatchObject({ code: "ARTIFACTS_UNAVAILABLE" });
      expect(download.json().error.message).toContain("ARTIFACTS_CONNECTION_STRING");
    });
  });
}
