import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArtifactStorePort, isArtifactError, readAll } from "../port.js";

export interface ArtifactStoreUnderTest {
  store: ArtifactStorePort;
  /** Whether the adapter signs download links (Blob Storage does; memory does not). */
  signsLinks: boolean;
  cleanup(): Promise<void>;
}

let namespaces = 0;

/**
 * The artifact store port's contract (artifacts/port.ts), run against every adapter: memory, and
 * Azure Blob Storage through the real SDK on Azurite. Every test writes under its own prefix.
 */
export function runArtifactStoreContract(name: string, make: () => Promise<ArtifactStoreUnderTest>): void {
  describe(`artifact store contract: ${name}`, () => {
    let sut: ArtifactStoreUnderTest;
    let store: ArtifactStorePort;
    const prefix = () => `ac.me:${process.pid}-${++namespaces}/j-0123/1/`;
    const text = async (key: string, options?: { offset?: number; length?: number }) => {
      const read = await store.read(key, options);
      return read === undefined ? undefined : (await readAll(read.body)).toString("utf8");
    };

    beforeAll(async () => {
      sut = await make();
      store = sut.store;
      await store.init();
      await store.init();
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    it("appends to a log in call order, creating it on first use, as text", async () => {
      const key = `${prefix()}attempt.log`;
      expect(await store.stat(key)).toBeUndefined();
      await store.append(key, Buffer.from("first line\n"));
      await store.append(key, Buffer.from("second line\n"));
      expect(await text(key)).toBe("first line\nsecond line\n");
      const stat = await store.stat(key);
      expect(stat).toMatchObject({ bytes: 23 });
      expect(stat!.contentType).toMatch(/^text\/plain/);
      expect(stat!.modifiedAt).toBeGreaterThan(0);
    });

    it("reads from an offset and up to a length, and gives an empty body at or past the end", async () => {
      const key = `${prefix()}attempt.log`;
      await store.append(key, Buffer.from("0123456789"));
      expect(await text(key, { offset: 4 })).toBe("456789");
      expect(await text(key, { offset: 2, length: 3 })).toBe("234");
      const end = await store.read(key, { offset: 10 });
      expect(end).toMatchObject({ bytes: 10, offset: 10 });
      expect((await readAll(end!.body)).length).toBe(0);
      expect((await store.read(key, { offset: 25 }))?.bytes).toBe(10);
    });

    it("stores whole files from a buffer or a stream, replacing what was there", async () => {
      const key = `${prefix()}files/1-report.json`;
      expect(await store.put(key, Buffer.from('{"a":1}'), { contentType: "application/json" })).toEqual({ bytes: 7 });
      expect(await text(key)).toBe('{"a":1}');
      expect((await store.stat(key))?.contentType).toBe("application/json");
      const streamed = await store.put(key, Readable.from([Buffer.from("line 1\n"), Buffer.from("line 2\n")]), { contentType: "text/plain; charset=utf-8" });
      expect(streamed.bytes).toBe(14);
      expect(await text(key)).toBe("line 1\nline 2\n");
    });

    it("refuses to append to a file", async () => {
      const key = `${prefix()}files/1-out`;
      await store.put(key, Buffer.from("x"), { contentType: "text/plain" });
      const failure = await store.append(key, Buffer.from("y")).catch((error: unknown) => error);
      expect(isArtifactError(failure, "conflict"), String(failure)).toBe(true);
    });

    it("answers undefined for a missing key, deletes idempotently, and a deleted log starts again", async () => {
      const key = `${prefix()}attempt.log`;
      expect(await store.read(key)).toBeUndefined();
      expect(await store.delete(key)).toBe(false);
      await store.append(key, Buffer.from("old"));
      expect(await store.delete(key)).toBe(true);
      expect(await store.delete(key)).toBe(false);
      expect(await store.stat(key)).toBeUndefined();
      await store.append(key, Buffer.from("new"));
      expect(await text(key)).toBe("new");
    });

    it("lists the keys under a prefix with their sizes", async () => {
      const base = prefix();
      await store.append(`${base}attempt.log`, Buffer.from("abc"));
      await store.put(`${base}files/1-a.txt`, Buffer.from("hello"), { contentType: "text/plain" });
      await store.put(`${base.replace("/1/", "/2/")}files/1-b.txt`, Buffer.from("x"), { contentType: "text/plain" });
      const listed: { key: string; bytes: number }[] = [];
      for await (const item of store.list(base)) listed.push({ key: item.key, bytes: item.bytes });
      expect(listed.sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual([
        { key: `${base}attempt.log`, bytes: 3 },
        { key: `${base}files/1-a.txt`, bytes: 5 },
      ]);
      const everything: string[] = [];
      for await (const item of store.list("")) everything.push(item.key);
      expect(everything).toEqual(expect.arrayContaining([`${base}attempt.log`, `${base.replace("/1/", "/2/")}files/1-b.txt`]));
    });

    it("appends more than one block's worth in one call", async () => {
      const key = `${prefix()}attempt.log`;
      const big = Buffer.alloc(5 * 1024 * 1024 + 17, "a");
      await store.append(key, big);
      await store.append(key, Buffer.from("z"));
      expect((await store.stat(key))?.bytes).toBe(big.length + 1);
      expect(await text(key, { offset: big.length - 1 })).toBe("az");
    });

    it("signs a short-lived read-only link where it can, and says so where it cannot", async () => {
      const key = `${prefix()}files/1-notes.txt`;
      await store.put(key, Buffer.from("signed bytes"), { contentType: "text/plain" });
      expect(store.uriOf(key)).toContain("j-0123/1/files/1-notes.txt");
      const now = Date.now();
      const link = await store.link(key, { expiresInSeconds: 300, now, downloadName: "notes.txt" });
      if (!sut.signsLinks) {
        expect(link).toBeUndefined();
        return;
      }
      expect(link!.expiresAt).toBe(now + 300_000);
      const fetched = await fetch(link!.url);
      expect(fetched.status).toBe(200);
      expect(await fetched.text()).toBe("signed bytes");
      expect(fetched.headers.get("content-disposition")).toContain("notes.txt");
      // Read-only: the same signature cannot write.
      const write = await fetch(link!.url, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "overwritten" });
      expect(write.status).toBe(403);
      // Unsigned, the blob is not public.
      expect((await fetch(store.uriOf(key))).status).not.toBe(200);
    });
  });
}
