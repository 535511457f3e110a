import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceBusBroker } from "../../broker/service-bus/service-bus-broker.js";
import type { BrokerTopology } from "../../broker/port.js";
import { type BrokerProcess, startBrokerProcess } from "../../stack/broker-process.js";

const topology: BrokerTopology = {
  topic: "durable",
  duplicateDetectionWindowMs: 60_000,
  subscriptions: [{ name: "a", lockDurationMs: 5000, maxDeliveryCount: 5, deadLetterOnExpiration: false, filter: { pool: "a" } }],
};

describe("the local broker with a data directory", () => {
  let dir: string | undefined;
  let processes: BrokerProcess[] = [];
  let clients: ServiceBusBroker[] = [];
  afterEach(async () => {
    for (const client of clients) await client.close();
    for (const broker of processes) await broker.stop();
    clients = [];
    processes = [];
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("keeps every message it acknowledged when it is killed (SIGKILL) right after the acknowledgement", async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-broker-durable-"));
    const first = await startBrokerProcess({ dataDir: dir });
    processes.push(first);
    const publisher = new ServiceBusBroker({ connectionString: first.connectionString });
    clients.push(publisher);
    await publisher.ensureTopology(topology);
    const ids: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const messages = Array.from({ length: 20 }, (_, i) => ({ messageId: `m-${batch}-${i}`, body: { batch, i }, applicationProperties: { pool: "a" } }));
      await publisher.publish(topology.topic, messages);
      ids.push(...messages.map((m) => m.messageId));
    }
    // The last publish was acknowledged a moment ago; nothing gets a chance to flush on the way out.
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    const port = /Endpoint=sb:\/\/[^:]+:(\d+)/.exec(first.connectionString)![1]!;
    const second = await startBrokerProcess({ dataDir: dir, port: Number(port) });
    processes.push(second);
    const consumer = new ServiceBusBroker({ connectionString: second.connectionString });
    clients.push(consumer);
    expect((await consumer.counts(topology.topic, "a")).active).toBe(ids.length);
    const receiver = consumer.openReceiver({ topic: topology.topic, subscription: "a" });
    const got = new Set<string>();
    for (let round = 0; round < 20 && got.size < ids.length; round++) {
      for (const message of await receiver.receive(50, 1000)) {
        got.add(message.messageId);
        await receiver.complete(message);
      }
    }
    await receiver.close();
    expect([...got].sort()).toEqual([...ids].sort());
  }, 60_000);
});
