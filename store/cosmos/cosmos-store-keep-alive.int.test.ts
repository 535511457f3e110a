import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "../../peers/cosmos/embedded-cosmos.js";
import { CosmosStore } from "./cosmos-store.js";

// The adapter keeps its connections open: counted on the peer's side, where each TCP connection
// is a 'connection' event of its HTTP server.
const peers: EmbeddedCosmos[] = [];
const stores: CosmosStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const peer of peers.splice(0)) await peer.close();
});

async function storeOn(options: { keepAlive: boolean; maxSockets: number }): Promise<{ peer: EmbeddedCosmos; store: CosmosStore }> {
  const peer = await startEmbeddedCosmos({ keepAlive: options.keepAlive });
  peers.push(peer);
  const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: "keep-alive", local: true, maxSockets: options.maxSockets });
  stores.push(store);
  await store.init();
  return { peer, store };
}

function job(id: string) {
  return { id, kind: "keep-alive" } as never;
}

describe("CosmosStore connections", () => {
  it("reuses its kept-alive connections: no store call opens a new one, and never more than maxSockets", async () => {
    const { peer, store } = await storeOn({ keepAlive: true, maxSockets: 4 });
    const afterInit = peer.stats().connectionsAccepted;
    expect(afterInit).toBeLessThanOrEqual(4);

    for (let i = 0; i < 100; i++) {
      const created = await store.create("jobs", job(`seq-${i}`));
      await store.replace("jobs", job(`seq-${i}`), created.etag);
      await store.get("jobs", `seq-${i}`, `seq-${i}`);
    }
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.upsert("jobs", job(`par-${i}`))));
    await store.query("jobs", { where: [{ field: "kind", op: "=", value: "keep-alive" }] });

    expect(store.stats().ops).toMatchObject({ create: 100, replace: 100, read: 100, upsert: 200, query: 1 });
    expect(peer.stats().connectionsAccepted).toBeLessThanOrEqual(4);
  });

  it("counts a connection per call against a peer that closes them (what the count above rules out)", async () => {
    const { peer, store } = await storeOn({ keepAlive: false, maxSockets: 4 });
    const afterInit = peer.stats().connectionsAccepted;
    for (let i = 0; i < 20; i++) await store.upsert("jobs", job(`closed-${i}`));
    expect(peer.stats().connectionsAccepted - afterInit).toBeGreaterThanOrEqual(20);
  });

  it("names a bad endpoint or pool size", () => {
    expect(() => new CosmosStore({ endpoint: "not a url", key: "k", database: "d" })).toThrow(/endpoint 'not a url' is not a URL/);
    expect(() => new CosmosStore({ endpoint: "http://127.0.0.1:1", key: "k", database: "d", maxSockets: 0 })).toThrow(/maxSockets must be a positive integer/);
  });
});
