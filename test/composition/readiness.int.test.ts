import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTopology } from "../../contracts/topology-file.js";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import { CredentialRegistry, mintToken } from "../../coordinator/auth/credentials.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { FaultyStore, type StoreFault } from "../../store/faulty-store.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { waitFor } from "../support/dispatch-harness.js";

describe("readiness and pool health follow the store and the broker", () => {
  let local: LocalServiceBus;
  let broker: ServiceBusBroker;
  let app: CoordinatorProcess;
  let url: string;
  let storeFault: StoreFault = "none";
  const operator = mintToken("op-acme");

  beforeAll(async () => {
    local = await startLocalServiceBus({ sweepIntervalMs: 50 });
    broker = new ServiceBusBroker({ connectionString: local.connectionString });
    const topology = parseTopology({
      topic: "readiness",
      pools: [{ name: "general", capabilities: ["lang:ts"], image: "factory:test", seats: 1, maxReplicas: 10, workload: "scaledJob", acceptTimeoutSeconds: 300 }],
    });
    app = await buildCoordinatorProcess({
      store: new FaultyStore(new MemoryStore(), () => storeFault),
      broker,
      topology,
      credentials: new CredentialRegistry({ operators: [{ id: "op-acme", productId: "acme", secretSha256: operator.secretSha256, revoked: false }], factories: [] }),
      logger: pino({ level: "silent" }),
      loop: { maxIdleMs: 100 },
      dispatcher: { relay: { backoffMaxMs: 300, circuitOpenMs: 300 }, deadLetterPollMs: 200 },
      processMetrics: false,
    });
    url = await app.listen("127.0.0.1", 0);
    await app.dispatcher!.topologyApplied;
  });
  afterAll(async () => {
    await app.close();
    await broker.close();
    await local.close();
  });

  const readyz = async () => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as { ready: boolean; checks: Record<string, string> } };
  };
  const poolHealth = async () => {
    const response = await fetch(`${url}/fleet/pools`, { headers: { authorization: `Bearer ${operator.token}` } });
    return ((await response.json()) as { items: { name: string; health: string; healthReason?: string }[] }).items[0]!;
  };
  const submit = (key: string) =>
    fetch(`${url}/fleet/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${operator.token}`, "content-type": "application/json" },
      body: JSON.stringify({ idempotencyKey: key, bodyMd: `# ${key}`, capabilities: ["lang:ts"] }),
    });

  it("is ready with everything up", async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, checks: { indexes: "rebuilt", store: "ok", broker: "ok", scheduler: "ok" } } });
    expect((await poolHealth()).health).toBe("ok");
  });

  it("fails readiness and degrades pool health while assignments cannot be published, and drains after", async () => {
    await local.stop();
    expect((await submit("while-down")).status).toBe(201);
    await waitFor(async () => (await readyz()).status === 503, 15_000, "readiness to fail while the broker is down");
    expect((await readyz()).body.checks.broker).toMatch(/^unreachable/);
    expect(await poolHealth()).toMatchObject({ health: "degraded", healthReason: expect.stringContaining("broker") });
    expect(app.dispatcher!.relay.stats().pending).toBe(1);
    await local.start();
    await waitFor(() => app.dispatcher!.relay.stats().pending === 0, 20_000, "the outbox to drain once the broker is back");
    await waitFor(async () => (await readyz()).status === 200, 10_000, "readiness to return");
    expect((await poolHealth()).health).toBe("ok");
  }, 60_000);

  it("fails readiness while the store refuses, and recovers", async () => {
    storeFault = "unavailable";
    expect((await submit("store-down")).status).toBe(503);
    await waitFor(async () => (await readyz()).status === 503, 10_000, "readiness to fail while the store refuses");
    expect((await readyz()).body.checks.store).toMatch(/^unreachable/);
    storeFault = "none";
    await waitFor(async () => (await readyz()).status === 200, 10_000, "readiness to return once the store answers");
  }, 30_000);
});
