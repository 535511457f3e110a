import type { ServiceBusAdministrationClient, ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSender } from "@azure/service-bus";
import { formatIsoDuration } from "../../../contracts/iso-duration.js";
import type {
  BrokerPort,
  BrokerReceiver,
  BrokerTopology,
  OutgoingMessage,
  PropertyValue,
  ReceivedMessage,
  ReceiverAddress,
  ReceiverOptions,
  SubscriptionCounts,
} from "../port.js";
import { createClients, type ServiceBusConnection } from "./service-bus-config.js";
import { translateServiceBusError } from "./translate-service-bus-error.js";

const RULE_NAME = "pool";

/**
 * The broker port on Azure Service Bus (@azure/service-bus): a cached sender per topic with
 * batches, peek-lock receivers WITHOUT automatic lock renewal (the agent settles right after it
 * accepts the lease; the lease, not the lock, carries execution), and the administration client
 * for topology and runtime counts. Every SDK error is translated into a BrokerError.
 */
export class ServiceBusBroker implements BrokerPort {
  private readonly client: ServiceBusClient;
  private readonly admin: ServiceBusAdministrationClient;
  private readonly senders = new Map<string, ServiceBusSender>();

  constructor(connection: ServiceBusConnection) {
    ({ client: this.client, admin: this.admin } = createClients(connection));
  }

  async ensureTopology(topology: BrokerTopology): Promise<void> {
    try {
      const window = formatIsoDuration(topology.duplicateDetectionWindowMs);
      if (!(await this.admin.topicExists(topology.topic))) {
        await this.admin.createTopic(topology.topic, { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: window });
      }
      for (const spec of topology.subscriptions) {
        const settings = {
          lockDuration: formatIsoDuration(spec.lockDurationMs),
          maxDeliveryCount: spec.maxDeliveryCount,
          deadLetteringOnMessageExpiration: spec.deadLetterOnExpiration,
        };
        const filter = { applicationProperties: { ...spec.filter } };
        if (!(await this.admin.subscriptionExists(topology.topic, spec.name))) {
          await this.admin.createSubscription(topology.topic, spec.name, { ...settings, defaultRuleOptions: { name: RULE_NAME, filter } });
          continue;
        }
        const current = await this.admin.getSubscription(topology.topic, spec.name);
        if (current.lockDuration !== settings.lockDuration || current.maxDeliveryCount !== settings.maxDeliveryCount || current.deadLetteringOnMessageExpiration !== settings.deadLetteringOnMessageExpiration) {
          await this.admin.updateSubscription({ ...current, ...settings });
        }
        // Exactly one rule: the pool's correlation filter.
        const rules: { name: string; filter: unknown }[] = [];
        for await (const rule of this.admin.listRules(topology.topic, spec.name)) rules.push(rule);
        const wanted = rules.find((rule) => rule.name === RULE_NAME && sameFilter(rule.filter, spec.filter));
        if (wanted === undefined) {
          if (rules.some((rule) => rule.name === RULE_NAME)) await this.admin.deleteRule(topology.topic, spec.name, RULE_NAME);
          await this.admin.createRule(topology.topic, spec.name, RULE_NAME, filter);
        }
        for (const rule of rules) if (rule.name !== RULE_NAME) await this.admin.deleteRule(topology.topic, spec.name, rule.name);
      }
    } catch (error) {
      throw translateServiceBusError(error, `applying the topology of topic ${topology.topic}`);
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const sender = this.senderFor(topic);
    try {
      let batch = await sender.createMessageBatch();
      for (const message of messages) {
        const converted = toServiceBusMessage(message);
        if (batch.tryAddMessage(converted)) continue;
        if (batch.count === 0) throw new Error(`message ${message.messageId} is larger than the broker's maximum message size`);
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(converted)) throw new Error(`message ${message.messageId} is larger than the broker's maximum message size`);
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    } catch (error) {
      // A sender whose connection broke may be unusable: start over next time.
      this.senders.delete(topic);
      await sender.close().catch(() => undefined);
      throw translateServiceBusError(error, `publishing ${messages.length} message(s) to ${topic}`);
    }
  }

  openReceiver(address: ReceiverAddress, _options?: ReceiverOptions): BrokerReceiver {
    // receiveMessages() asks for exactly `max` messages each call and grants no credit in between,
    // so nothing is locked ahead of the caller: prefetch is bounded by what it asks for.
    const receiver = this.client.createReceiver(address.topic, address.subscription, {
      receiveMode: "peekLock",
      maxAutoLockRenewalDurationInMs: 0,
      ...(address.deadLetter === true ? { subQueueType: "deadLetter" as const } : {}),
    });
    return new ServiceBusBrokerReceiver(receiver, `${address.topic}/${address.subscription}${address.deadLetter === true ? "/$DeadLetterQueue" : ""}`);
  }

  async counts(topic: string, subscription: string): Promise<SubscriptionCounts> {
    try {
      const runtime = await this.admin.getSubscriptionRuntimeProperties(topic, subscription);
      const scheduled = (runtime as unknown as { scheduledMessageCount?: number }).scheduledMessageCount ?? 0;
      return { active: runtime.activeMessageCount, deadLetter: runtime.deadLetterMessageCount, scheduled };
    } catch (error) {
      throw translateServiceBusError(error, `reading the counts of ${topic}/${subscription}`);
    }
  }

  async close(): Promise<void> {
    for (const sender of this.senders.values()) await sender.close().catch(() => undefined);
    this.senders.clear();
    await this.client.close();
  }

  private senderFor(topic: string): ServiceBusSender {
    let sender = this.senders.get(topic);
    if (sender === undefined) {
      sender = this.client.createSender(topic);
      this.senders.set(topic, sender);
    }
    return sender;
  }
}

class ServiceBusBrokerReceiver implements BrokerReceiver {
  constructor(
    private readonly receiver: ServiceBusReceiver,
    private readonly path: string,
  ) {}

  async receive(max: number, maxWaitMs: number): Promise<ReceivedMessage[]> {
    try {
      const messages = await this.receiver.receiveMessages(max, { maxWaitTimeInMs: maxWaitMs });
      return messages.map(fromServiceBusMessage);
    } catch (error) {
      throw translateServiceBusError(error, `receiving from ${this.path}`);
    }
  }

  complete(message: ReceivedMessage): Promise<void> {
    return this.settle("completing", () => this.receiver.completeMessage(handleOf(message)));
  }

  abandon(message: ReceivedMessage): Promise<void> {
    return this.settle("abandoning", () => this.receiver.abandonMessage(handleOf(message)));
  }

  deadLetter(message: ReceivedMessage, reason: string, description?: string): Promise<void> {
    return this.settle("dead-lettering", () =>
      this.receiver.deadLetterMessage(handleOf(message), { deadLetterReason: reason, deadLetterErrorDescription: description ?? reason }),
    );
  }

  async renewLock(message: ReceivedMessage): Promise<number> {
    try {
      return (await this.receiver.renewMessageLock(handleOf(message))).getTime();
    } catch (error) {
      throw translateServiceBusError(error, `renewing the lock of ${message.messageId}`);
    }
  }

  async close(): Promise<void> {
    await this.receiver.close().catch(() => undefined);
  }

  private async settle(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      throw translateServiceBusError(error, `${what} a message on ${this.path}`);
    }
  }
}

function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  return {
    messageId: message.messageId,
    body: message.body,
    contentType: "application/json",
    applicationProperties: { ...message.applicationProperties },
    ...(message.timeToLiveMs === undefined ? {} : { timeToLive: message.timeToLiveMs }),
    ...(message.scheduledEnqueueAt === undefined ? {} : { scheduledEnqueueTimeUtc: new Date(message.scheduledEnqueueAt) }),
  };
}

function fromServiceBusMessage(message: ServiceBusReceivedMessage): ReceivedMessage {
  let body: unknown = message.body;
  if (Buffer.isBuffer(body)) {
    const text = body.toString("utf8");
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const properties: Record<string, PropertyValue> = {};
  for (const [key, value] of Object.entries(message.applicationProperties ?? {})) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") properties[key] = value;
  }
  return {
    messageId: String(message.messageId ?? ""),
    body,
    applicationProperties: properties,
    deliveryCount: message.deliveryCount ?? 0,
    enqueuedAt: message.enqueuedTimeUtc?.getTime() ?? 0,
    lockedUntil: message.lockedUntilUtc?.getTime() ?? 0,
    sequenceNumber: message.sequenceNumber === undefined ? 0 : Number(message.sequenceNumber.toString()),
    ...(message.deadLetterReason === undefined ? {} : { deadLetterReason: message.deadLetterReason }),
    ...(message.deadLetterErrorDescription === undefined ? {} : { deadLetterDescription: message.deadLetterErrorDescription }),
    handle: message,
  };
}

function handleOf(message: ReceivedMessage): ServiceBusReceivedMessage {
  return message.handle as ServiceBusReceivedMessage;
}

function sameFilter(filter: unknown, wanted: Readonly<Record<string, PropertyValue>>): boolean {
  const properties = (filter as { applicationProperties?: Record<string, unknown> } | undefined)?.applicationProperties;
  if (properties === undefined) return false;
  const keys = Object.keys(wanted);
  return keys.length === Object.keys(properties).length && keys.every((key) => properties[key] === wanted[key]);
}
