import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscriptionNameFor } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import { CredentialRegistry, mintToken } from "../../coordinator/auth/credentials.js";
import { type CoordinatorProcess, buildCoordinatorProcess } from "../../composition/coordinator-process.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { type LocalServiceBus, startLocalServiceBus } from "../../peers/service-bus/broker.js";
import { totalOperations } from "../../peers/service-bus/operation-counts.js";
import { waitFor } from "../support/dispatch-harness.js";

/** An idle coordinator (no work, no factories) costs the store and the broker nothing, with every
 * background loop running at a fast pace: the scheduler, the dead-letter monitor, the console's
 * pool history and the scale gauges. */
describe("the idle cost of a coordinator", () => {
  let local: LocalServiceBus;
  let broker: ServiceBusBroker;
  let store: MemoryStore;
  let app: CoordinatorProcess;
  let url: string;
  const operator = mintToken("op-acme");
  const topology = parseTopology({
    topic: "idle",
    pools: [
      { name: "general", capabilities: ["lang:ts"], image: "factory:test", seats: 1, maxReplicas: 10, workload: "scaledJob", acceptTimeoutSeconds: 300 },
      { name: "gpu", capabilities: ["gpu"], image: "factory:test", seats: 1, maxReplicas: 2, workload: "scaledJob", acceptTimeoutSeconds: 300 },
    ],
  });

  beforeAll(async () => {
    local = await startLocalServiceBus({ sweepIntervalMs: 50 });
    broker = new ServiceBusBroker({ connectionString: local.connectionString });
    store = new MemoryStore();
    app = await buildCoordinatorProcess({
      store,
      broker,
      topology,
      credentials: new CredentialRegistry({ operators: [{ id: "op-acme", productId: "acme", secretSha256: operator.secretSha256, revoked: false }], factories: [] }),
      logger: pino({ level: "silent" }),
      loop: { maxIdleMs: 50 },
      dispatcher: { relay: { watermarkIntervalMs: 200 }, deadLetterPollMs: 50, deadLetterIdleMaxMs: 400 },
      poolHistory: { intervalMs: 100 },
      processMetrics: false,
      consoleDir: false,
      scaler: false,
    });
    url = await app.listen("127.0.0.1", 0);
    await app.dispatcher!.topologyApplied;
  });
  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await local?.close();
  });

  const brokerOps = () => totalOperations(local.operations());
  const storeOps = () => Object.values(store.stats().ops).reduce((a, b) => a + b, 0);
  const scrape = async () => (await fetch(`${url}/metrics`)).text();
  /** Operations over `ms` of idling, with the metrics scraped every 100 ms meanwhile. */
  const idleFor = async (ms: number) => {
    const before = { broker: brokerOps(), store: storeOps() };
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await scrape();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { broker: brokerOps() - before.broker, store: storeOps() - before.store };
  };

  it("does no store and no broker operation while idle, from the start", async () => {
    // Settle: the first dead-letter poll and the first count reads.
    await waitFor(async () => (await idleFor(500)).broker === 0, 10_000, "the coordinator to go quiet");
    expect(await idleFor(2000)).toEqual({ broker: 0, store: 0 });
    expect(await scrape()).toContain('fleet_subscription_active_messages{pool="general"} 0');
  });

  it("works while there is work, and is back to none once the work is gone", async () => {
    const response = await fetch(`${url}/fleet/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${operator.token}`, "content-type": "application/json" },
      body: JSON.stringify({ idempotencyKey: "one", bodyMd: "# one", capabilities: ["lang:ts"] }),
    });
    expect(response.status).toBe(201);
    await waitFor(() => app.dispatcher!.relay.stats().published === 1, 10_000, "the publish");
    const pollsBefore = app.dispatcher!.monitor.pollCount();
    // A message waits: the monitor polls and the counts are read (within their 5 s cache).
    const busy = await idleFor(1000);
    expect(busy.broker).toBeGreaterThan(0);
    expect(app.dispatcher!.monitor.pollCount()).toBeGreaterThan(pollsBefore);
    await waitFor(async () => (await scrape()).includes('fleet_subscription_active_messages{pool="general"} 1'), 10_000, "the gauge to show the message");
    // An agent takes it and settles it.
    const agent = broker.openReceiver({ topic: topology.topic, subscription: subscriptionNameFor("general") });
    const [message] = await agent.receive(1, 5000);
    await agent.complete(message!);
    await agent.close();
    // Once the counts show the subscription empty again, nothing more is read or polled.
    await waitFor(async () => (await idleFor(500)).broker === 0, 15_000, "the coordinator to go quiet again");
    expect(await idleFor(2000)).toEqual({ broker: 0, store: 0 });
  }, 40_000);
});
