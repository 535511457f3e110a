import { type ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalAdministrationClient } from "./admin-client.js";
import { type LocalServiceBus, startLocalServiceBus } from "./broker.js";

const retryOptions = { maxRetries: 3, retryDelayInMs: 200, timeoutInMs: 5000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("local Service Bus broker with the real SDK", () => {
  let broker: LocalServiceBus;
  let admin: ServiceBusAdministrationClient;
  let client: ServiceBusClient;
  let n = 0;

  beforeAll(async () => {
    broker = await startLocalServiceBus({ sweepIntervalMs: 50 });
    admin = createLocalAdministrationClient(broker.connectionString);
    client = new ServiceBusClient(broker.connectionString, { retryOptions });
  });
  afterAll(async () => {
    await client.close();
    await broker.close();
  });

  /** A fresh topic with subscriptions for pools a and b (correlation filter on `pool`). */
  async function topicWithPools(settings: { lockDuration?: string; maxDeliveryCount?: number; dupWindow?: string } = {}): Promise<string> {
    const topic = `t${++n}`;
    await admin.createTopic(topic, { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: settings.dupWindow ?? "PT10M" });
    for (const pool of ["a", "b"]) {
      await admin.createSubscription(topic, pool, {
        lockDuration: settings.lockDuration ?? "PT30S",
        maxDeliveryCount: settings.maxDeliveryCount ?? 5,
        deadLetteringOnMessageExpiration: true,
        defaultRuleOptions: { name: "pool", filter: { applicationProperties: { pool } } },
      });
    }
    return topic;
  }

  const receive = async (topic: string, sub: string, max = 10, wait = 500, deadLetter = false): Promise<ServiceBusReceivedMessage[]> => {
    const receiver = client.createReceiver(topic, sub, { maxAutoLockRenewalDurationInMs: 0, ...(deadLetter ? { subQueueType: "deadLetter" as const } : {}) });
    try {
      return await receiver.receiveMessages(max, { maxWaitTimeInMs: wait });
    } finally {
      await receiver.close();
    }
  };

  it("counts what clients ask (a batch send is one send), and serves the counts at GET /$operations", async () => {
    const topic = await topicWithPools();
    const before = broker.operations();
    const sender = client.createSender(topic);
    await sender.sendMessages([
      { body: { n: 1 }, messageId: "ops-1", applicationProperties: { pool: "a" } },
      { body: { n: 2 }, messageId: "ops-2", applicationProperties: { pool: "a" } },
    ]);
    await sender.close();
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const got = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1000 });
    expect(got).toHaveLength(2);
    for (const message of got) await receiver.completeMessage(message);
    await receiver.renewMessageLock(got[0]!).catch(() => undefined);
    await receiver.close();
    const response = await fetch(`http://127.0.0.1:${broker.port}/$operations`);
    expect(response.status).toBe(200);
    const after = (await response.json()) as ReturnType<LocalServiceBus["operations"]>;
    expect(after.sends - before.sends).toBe(1);
    expect(after.messagesSent - before.messagesSent).toBe(2);
    expect(after.messagesDelivered - before.messagesDelivered).toBe(2);
    expect(after.settlements.complete - before.settlements.complete).toBe(2);
    expect(after.receiveRequests - before.receiveRequests).toBeGreaterThanOrEqual(1);
    expect((after.management["com.microsoft:renew-lock"] ?? 0) - (before.management["com.microsoft:renew-lock"] ?? 0)).toBe(1);
  });

  it("publishes, receives in peek-lock and completes; routes by the pool property", async () => {
    const topic = await topicWithPools();
    const sender = client.createSender(topic);
    await sender.sendMessages([
      { body: { n: 1 }, messageId: "m1", applicationProperties: { pool: "a" } },
      { body: { n: 2 }, messageId: "m2", applicationProperties: { pool: "b" } },
    ]);
    await sender.close();
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const [message, ...rest] = await receiver.receiveMessages(10, { maxWaitTimeInMs: 500 });
    expect(rest).toHaveLength(0);
    expect(message!.body).toEqual({ n: 1 });
    expect(message!.deliveryCount).toBe(0);
    expect(message!.lockedUntilUtc).toBeInstanceOf(Date);
    await receiver.completeMessage(message!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toHaveLength(0);
    await receiver.close();
    expect((await receive(topic, "b")).map((m) => m.messageId)).toEqual(["m2"]);
  });

  it("redelivers an abandoned message with deliveryCount + 1", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages({ body: "x", applicationProperties: { pool: "a" } });
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
    expect(first!.messageId).toBeDefined();
    await receiver.abandonMessage(first!);
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
    expect(second!.messageId).toBe(first!.messageId);
    expect(second!.deliveryCount).toBe(1);
    await receiver.completeMessage(second!);
    await receiver.close();
  });

  it("redelivers after the lock expires, and renew-lock extends it", async () => {
    const topic = await topicWithPools({ lockDuration: "PT1S" });
    await client.createSender(topic).sendMessages([
      { body: "expire", messageId: "e", applicationProperties: { pool: "a" } },
      { body: "renew", messageId: "r", applicationProperties: { pool: "b" } },
    ]);
    const a = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const b = client.createReceiver(topic, "b", { maxAutoLockRenewalDurationInMs: 0 });
    const [expiring] = await a.receiveMessages(1, { maxWaitTimeInMs: 500 });
    const [renewed] = await b.receiveMessages(1, { maxWaitTimeInMs: 500 });
    await sleep(600);
    const until = await b.renewMessageLock(renewed!);
    expect(until.getTime()).toBeGreaterThan(Date.now() + 500);
    await sleep(700);
    const [again] = await a.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(again!.messageId).toBe(expiring!.messageId);
    expect(again!.deliveryCount).toBe(1);
    await b.completeMessage(renewed!);
    await expect(a.completeMessage(expiring!)).rejects.toMatchObject({ code: "MessageLockLost" });
    await a.completeMessage(again!);
    await a.close();
    await b.close();
  });

  it("dead-letters past the max delivery count with MaxDeliveryCountExceeded, readable and removable from the DLQ", async () => {
    const topic = await topicWithPools({ maxDeliveryCount: 2 });
    await client.createSender(topic).sendMessages({ body: "poison", messageId: "p", applicationProperties: { pool: "a" } });
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    for (let i = 0; i < 2; i++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
      await receiver.abandonMessage(message!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toHaveLength(0);
    await receiver.close();
    const runtime = await admin.getSubscriptionRuntimeProperties(topic, "a");
    expect(runtime.deadLetterMessageCount).toBe(1);
    const dlq = client.createReceiver(topic, "a", { subQueueType: "deadLetter", maxAutoLockRenewalDurationInMs: 0 });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 500 });
    expect(dead!.messageId).toBe("p");
    expect(dead!.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    await dlq.completeMessage(dead!);
    await dlq.close();
    expect((await admin.getSubscriptionRuntimeProperties(topic, "a")).deadLetterMessageCount).toBe(0);
  });

  it("dead-letters on request with reason and description", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages({ body: "bad", messageId: "d", applicationProperties: { pool: "a" } });
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
    await receiver.deadLetterMessage(message!, { deadLetterReason: "InvalidAssignment", deadLetterErrorDescription: "body: missing jobId" });
    await receiver.close();
    const [dead] = await receive(topic, "a", 1, 500, true);
    expect(dead!.deadLetterReason).toBe("InvalidAssignment");
    expect(dead!.deadLetterErrorDescription).toBe("body: missing jobId");
  });

  it("drops a duplicate message id within the detection window", async () => {
    const topic = await topicWithPools();
    const sender = client.createSender(topic);
    await sender.sendMessages({ body: 1, messageId: "job-1:1", applicationProperties: { pool: "a" } });
    await sender.sendMessages({ body: 2, messageId: "job-1:1", applicationProperties: { pool: "a" } });
    await sender.sendMessages({ body: 3, messageId: "job-1:2", applicationProperties: { pool: "a" } });
    await sender.close();
    expect((await receive(topic, "a")).map((m) => m.body)).toEqual([1, 3]);
  });

  it("dead-letters an expired message with TTLExpiredException and never delivers it", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages({ body: "late", messageId: "ttl", timeToLive: 300, applicationProperties: { pool: "a" } });
    await sleep(500);
    expect(await receive(topic, "a", 1, 200)).toHaveLength(0);
    const [dead] = await receive(topic, "a", 1, 500, true);
    expect(dead!.deadLetterReason).toBe("TTLExpiredException");
  });

  it("holds scheduled messages until their time, and cancels them", async () => {
    const topic = await topicWithPools();
    const sender = client.createSender(topic);
    const at = new Date(Date.now() + 800);
    const [keep] = await sender.scheduleMessages({ body: "later", messageId: "s1", applicationProperties: { pool: "a" } }, at);
    const [cancel] = await sender.scheduleMessages({ body: "never", messageId: "s2", applicationProperties: { pool: "a" } }, at);
    await sender.cancelScheduledMessages(cancel!);
    await sender.close();
    expect(keep).toBeDefined();
    expect(await receive(topic, "a", 5, 200)).toHaveLength(0);
    await sleep(900);
    expect((await receive(topic, "a", 5, 1000)).map((m) => m.body)).toEqual(["later"]);
  });

  it("peeks without locking", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages([1, 2, 3].map((i) => ({ body: i, applicationProperties: { pool: "a" } })));
    const receiver = client.createReceiver(topic, "a");
    expect((await receiver.peekMessages(10)).map((m) => m.body)).toEqual([1, 2, 3]);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
    await receiver.close();
    expect(await receive(topic, "a")).toHaveLength(3);
  });

  it("filters with SQL rules: equality, IN, AND/OR", async () => {
    const topic = `sql${++n}`;
    await admin.createTopic(topic);
    await admin.createSubscription(topic, "critical", { defaultRuleOptions: { name: "r", filter: { sqlExpression: "priority = 'critical' OR (priority IN ('high') AND pool = 'a')" } } });
    await admin.createSubscription(topic, "all");
    await client.createSender(topic).sendMessages([
      { body: 1, applicationProperties: { priority: "critical", pool: "b" } },
      { body: 2, applicationProperties: { priority: "high", pool: "a" } },
      { body: 3, applicationProperties: { priority: "high", pool: "b" } },
      { body: 4, applicationProperties: { priority: "low", pool: "a" } },
    ]);
    expect((await receive(topic, "critical")).map((m) => m.body)).toEqual([1, 2]);
    expect((await receive(topic, "all")).map((m) => m.body)).toEqual([1, 2, 3, 4]);
  });

  it("settles through $management when the receiving link is gone", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages({ body: "held", messageId: "h", applicationProperties: { pool: "a" } });
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
    await broker.dropConnections();
    await sleep(300);
    await receiver.completeMessage(message!);
    await receiver.close();
    expect(await receive(topic, "a", 1, 300)).toHaveLength(0);
  });

  it("manages topology and reports runtime counts through the administration client", async () => {
    const topic = await topicWithPools();
    expect(await admin.topicExists(topic)).toBe(true);
    expect(await admin.subscriptionExists(topic, "a")).toBe(true);
    expect(await admin.subscriptionExists(topic, "zzz")).toBe(false);
    const sub = await admin.getSubscription(topic, "a");
    expect(sub.lockDuration).toBe("PT30S");
    await admin.updateSubscription({ ...sub, maxDeliveryCount: 7 });
    expect((await admin.getSubscription(topic, "a")).maxDeliveryCount).toBe(7);
    const rules = [];
    for await (const rule of admin.listRules(topic, "a")) rules.push(rule);
    expect(rules).toEqual([{ name: "pool", filter: expect.objectContaining({ applicationProperties: { pool: "a" } }), action: expect.anything() }]);
    await admin.createRule(topic, "a", "extra", { sqlExpression: "pool = 'x'" });
    await admin.deleteRule(topic, "a", "extra");
    await client.createSender(topic).sendMessages([1, 2].map((i) => ({ body: i, applicationProperties: { pool: "a" } })));
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
    // ActiveMessageCount includes the locked message, as on Azure.
    expect((await admin.getSubscriptionRuntimeProperties(topic, "a")).activeMessageCount).toBe(2);
    await receiver.close();
    await expect(admin.createTopic(topic)).rejects.toMatchObject({ statusCode: 409 });
  });

  it("keeps one receiver working past rhea's 2,048-delivery session buffer", async () => {
    const topic = await topicWithPools();
    const sender = client.createSender(topic);
    for (let batch = 0; batch < 5; batch++) {
      await sender.sendMessages(Array.from({ length: 500 }, (_, i) => ({ body: batch * 500 + i, applicationProperties: { pool: "a" } })));
    }
    await sender.close();
    const receiver = client.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    let received = 0;
    for (let round = 0; round < 100 && received < 2500; round++) {
      const messages = await receiver.receiveMessages(250, { maxWaitTimeInMs: 1000 });
      for (const message of messages) await receiver.completeMessage(message);
      received += messages.length;
    }
    await receiver.close();
    expect(received).toBe(2500);
  }, 60_000);

  it("receive-and-delete removes on delivery", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages({ body: "once", applicationProperties: { pool: "a" } });
    const receiver = client.createReceiver(topic, "a", { receiveMode: "receiveAndDelete" });
    expect((await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).map((m) => m.body)).toEqual(["once"]);
    await receiver.close();
    expect((await admin.getSubscriptionRuntimeProperties(topic, "a")).activeMessageCount).toBe(0);
  });

  it("survives an outage: a message sent before stop() is received after start()", async () => {
    const topic = await topicWithPools();
    await client.createSender(topic).sendMessages({ body: "kept", applicationProperties: { pool: "a" } });
    const outageClient = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 300, timeoutInMs: 2000 } });
    await broker.stop();
    const sender = outageClient.createSender(topic);
    await expect(sender.sendMessages({ body: "refused", applicationProperties: { pool: "a" } })).rejects.toBeDefined();
    await sleep(1500);
    await broker.start();
    const receiver = outageClient.createReceiver(topic, "a", { maxAutoLockRenewalDurationInMs: 0 });
    const received = await receiver.receiveMessages(5, { maxWaitTimeInMs: 3000 });
    expect(received.map((m) => m.body)).toEqual(["kept"]);
    await outageClient.close();
  });
});
