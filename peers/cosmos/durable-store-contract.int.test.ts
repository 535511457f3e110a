import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { runStoreContract } from "../../store/contract/store-contract.js";
import { CosmosStore } from "../../store/cosmos/cosmos-store.js";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "./embedded-cosmos.js";

// The store contract once more, on the peer with its journal on: every reply now waits for an
// fsync, and the state goes through the journal's hooks. One peer and data directory for the file,
// one database per test. A small compaction threshold makes the suite cross snapshots too.
let dir: string;
let peer: EmbeddedCosmos;
let databases = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cosmos-contract-"));
  peer = await startEmbeddedCosmos({ dataDir: join(dir, "data"), compactAtBytes: 64 * 1024 });
});
afterAll(async () => {
  const compactions = peer.stats().journal?.compactions ?? 0;
  await peer.close();
  await rm(dir, { recursive: true, force: true });
  expect(compactions, "the suite should cross at least one compaction").toBeGreaterThan(0);
});

runStoreContract(
  "cosmos on the local Cosmos DB peer with a data directory",
  async () => {
    const store = new CosmosStore({ endpoint: peer.endpoint, key: peer.key, database: `store-contract-${process.pid}-${++databases}`, local: true });
    return { store, cleanup: () => store.close() };
  },
  {
    gaps: {
      orderByKeepsUndefined: "the local peer drops documents lacking the ORDER BY field (peers/cosmos/README.md)",
      ttlExpiry: "the local peer accepts ttl and defaultTtl but never expires a document (peers/cosmos/README.md)",
    },
  },
);
