import { describe, expect, it } from "vitest";
import { CREDENTIALS_PARTITION, type FactoryCredentialDoc } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { FaultyStore } from "../../store/faulty-store.js";
import type { StorePort } from "../../store/port.js";
import { ManualClock } from "../../test/support/manual-clock.js";
import { CredentialRegistry } from "../auth/credentials.js";
import { mintToken } from "../auth/tokens.js";
import { CredentialSync } from "./credential-sync.js";
import { CredentialWriter } from "./credential-writer.js";

/** One coordinator replica's view of the stored credentials. */
function replica(store: StorePort, clock: ManualClock) {
  const registry = new CredentialRegistry();
  const sync = new CredentialSync({ store, clock, registry });
  registry.attach(sync, () => clock.now());
  const writer = new CredentialWriter(store, sync, clock);
  return { registry, sync, writer };
}

function factoryCredential(factoryId: string, secretSha256: string, now: number): FactoryCredentialDoc {
  return {
    id: `factory:${factoryId}`,
    partition: CREDENTIALS_PARTITION,
    seq: 0,
    kind: "factory",
    productId: "acme",
    pool: "general",
    factoryId,
    secrets: [{ sha256: secretSha256 }],
    expiresAt: now + 3_600_000,
    tokenTtlSeconds: 3600,
    createdAt: now,
    updatedAt: now,
  };
}

const revoke = (writer: CredentialWriter, id: string, now: number) =>
  writer.update(id, (doc) => ({ ...doc, revokedAt: now, updatedAt: now }), { announce: true });

describe("stored credentials across replicas", () => {
  it("learns a credential issued on another replica when it first meets it, and its revocation within the staleness bound", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const a = replica(store, clock);
    const b = replica(store, clock);
    await a.sync.load();
    await b.sync.load();
    const minted = mintToken("factory:f-1");
    await a.writer.create(factoryCredential("f-1", minted.secretSha256, clock.now()), () => false);
    const auth = () => b.registry.verify(`Bearer ${minted.token}`, undefined);
    expect(await auth()).toMatchObject({ kind: "factory", factoryId: "f-1", bound: true });

    await revoke(a.writer, "factory:f-1", clock.now());
    expect(a.registry.authenticate(`Bearer ${minted.token}`, undefined)).toMatchObject({ code: "UNAUTHENTICATED" });
    // Inside the fresh window B answers from memory; past the staleness bound it must have re-read.
    clock.advance(100);
    expect(await auth()).toMatchObject({ kind: "factory" });
    clock.advance(1000);
    expect(await auth()).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("reads one version document at most per fresh window while busy, and nothing while idle", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const b = replica(store, clock);
    await b.sync.load();
    const reads = () => store.stats().ops.read + store.stats().ops.query;
    const before = reads();
    for (let i = 0; i < 200; i++) {
      await b.sync.ensureFresh();
      clock.advance(10);
    }
    // 2 s of steady calls: a check each time the last is 0.5 s old, each one point read.
    expect(reads() - before).toBe(3);
    clock.advance(3_600_000);
    expect(reads() - before).toBe(3);
  });

  it("keeps every announcement when several replicas revoke at once", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const writers = [replica(store, clock), replica(store, clock), replica(store, clock)];
    const reader = replica(store, clock);
    for (const r of [...writers, reader]) await r.sync.load();
    const tokens = Array.from({ length: 30 }, (_, i) => mintToken(`factory:f-${i}`));
    await Promise.all(tokens.map((token, i) => writers[0]!.writer.create(factoryCredential(`f-${i}`, token.secretSha256, clock.now()), () => false)));
    for (const token of tokens) expect(await reader.registry.verify(`Bearer ${token.token}`, undefined)).toMatchObject({ kind: "factory" });
    // Revocations race each other on the version document while the reader keeps checking.
    const revocations = Promise.all(tokens.map((_, i) => revoke(writers[i % writers.length]!.writer, `factory:f-${i}`, clock.now())));
    const checks = Promise.all(Array.from({ length: 10 }, () => reader.sync.check()));
    await Promise.all([revocations, checks]);
    await reader.sync.check();
    for (const token of tokens) expect(reader.registry.authenticate(`Bearer ${token.token}`, undefined)).toMatchObject({ code: "UNAUTHENTICATED" });
    const version = await store.get("credentials", "credentials.version", CREDENTIALS_PARTITION);
    expect(version?.doc.seq).toBe(30);
    expect(store.stats().conflicts, "the writers did race on the version").toBeGreaterThan(0);
  });

  it("refuses stored credentials once the store cannot confirm them, and keeps file credentials working", async () => {
    const clock = new ManualClock();
    let failing = false;
    const store = new FaultyStore(new MemoryStore(), () => (failing ? "unavailable" : "none"));
    const operator = mintToken("op-file");
    const registry = new CredentialRegistry({ operators: [{ id: "op-file", productId: "acme", secretSha256: operator.secretSha256 }] });
    const sync = new CredentialSync({ store, clock, registry });
    registry.attach(sync, () => clock.now());
    await sync.load();
    const writer = new CredentialWriter(store, sync, clock);
    const minted = mintToken("factory:f-1");
    await writer.create(factoryCredential("f-1", minted.secretSha256, clock.now()), () => false);
    failing = true;
    clock.advance(600);
    expect(await registry.verify(`Bearer ${minted.token}`, undefined)).toMatchObject({ kind: "factory" });
    clock.advance(600);
    expect(await registry.verify(`Bearer ${minted.token}`, undefined)).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(await registry.verify(`Bearer ${operator.token}`, undefined)).toMatchObject({ kind: "operator" });
    failing = false;
    expect(await registry.verify(`Bearer ${minted.token}`, undefined)).toMatchObject({ kind: "factory" });
  });

  it("loads at start the credentials that can still authenticate, not the revoked ones one-shot containers leave behind", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const a = replica(store, clock);
    await a.sync.load();
    const live = mintToken("factory:live");
    const gone = mintToken("factory:gone");
    await a.writer.create(factoryCredential("live", live.secretSha256, clock.now()), () => false);
    await a.writer.create(factoryCredential("gone", gone.secretSha256, clock.now()), () => false);
    await a.writer.update("factory:gone", (doc) => (doc.kind === "factory" ? { ...doc, revokedAt: clock.now(), expiresAt: clock.now(), updatedAt: clock.now() } : doc), { announce: true });
    clock.advance(1);
    const b = replica(store, clock);
    await b.sync.load();
    const reads = () => store.stats().ops.read;
    const before = reads();
    expect(await b.registry.verify(`Bearer ${live.token}`, undefined)).toMatchObject({ kind: "factory", factoryId: "live" });
    expect(reads() - before, "a loaded credential needs no read").toBe(0);
    expect(await b.registry.verify(`Bearer ${gone.token}`, undefined)).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(reads() - before, "a revoked one is read by id when presented").toBe(1);
  });

  it("limits store reads for ids it does not know, so guessing cannot flood the store", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const b = replica(store, clock);
    await b.sync.load();
    const before = store.stats().ops.read;
    for (let i = 0; i < 1000; i++) await b.registry.verify(`Bearer guess-${i}.AAAAAAAAAAAAAAAAAAAAAAAA`, undefined);
    expect(store.stats().ops.read - before).toBeLessThanOrEqual(200);
  });
});
