import type { ServiceBusAdministrationClient, ServiceBusClient, ServiceBusMessageBatch, ServiceBusSender } from "@azure/service-bus";
import { BrokerError, type BrokerPort, type BrokerReceiver, type BrokerTopology, type OutgoingMessage, type ReceiverAddress, type SubscriptionCounts } from "../port.js";
import { scheduledCountOf } from "./scheduled-count-policy.js";
import { createClients, type ServiceBusConnection } from "./service-bus-config.js";
import { toServiceBusMessage } from "./service-bus-message.js";
import { ServiceBusBrokerReceiver } from "./service-bus-receiver.js";
import { applyTopology } from "./service-bus-topology.js";
import { translateServiceBusError } from "./translate-service-bus-error.js";

/**
 * The broker port on Azure Service Bus (@azure/service-bus 7.9), also what runs against the local
 * protocol broker (peers/service-bus) and Microsoft's emulator:
 * - publish: one cached sender per topic, messages packed into as few batches as fit
 *   (createMessageBatch/tryAddMessage); a batch is accepted or rejected as a whole, and publish
 *   resolves once every batch is accepted. After a partial failure the caller republishes all of
 *   them; duplicate detection (message id `jobId:epoch`) drops what had gone through.
 * - receivers: peek-lock, no automatic lock renewal, no hidden prefetch (service-bus-receiver.ts).
 * - topology and counts: the administration client (service-bus-topology.ts).
 * Every SDK error leaves as a BrokerError (translate-service-bus-error.ts).
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
      await applyTopology(this.admin, topology);
    } catch (error) {
      throw translateServiceBusError(error, `applying the topology of topic ${topology.topic}`);
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const converted = messages.map(toServiceBusMessage);
    const sender = this.senderFor(topic);
    try {
      let batch = await sender.createMessageBatch();
      for (const [index, message] of converted.entries()) {
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0) throw tooLarge(messages[index]?.messageId, batch);
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(message)) throw tooLarge(messages[index]?.messageId, batch);
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    } catch (error) {
      // A sender whose link or connection broke may stay unusable: the next publish opens a new one.
      if (!(error instanceof BrokerError)) {
        this.senders.delete(topic);
        await sender.close().catch(() => undefined);
      }
      throw translateServiceBusError(error, `publishing ${messages.length} message(s) to ${topic}`);
    }
  }

  openReceiver(address: ReceiverAddress): BrokerReceiver {
    const deadLetter = address.deadLetter === true;
    const receiver = this.client.createReceiver(address.topic, address.subscription, {
      receiveMode: "peekLock",
      // Our code renews on purpose (or not at all: it settles right after accepting the lease).
      maxAutoLockRenewalDurationInMs: 0,
      ...(deadLetter ? { subQueueType: "deadLetter" as const } : {}),
    });
    return new ServiceBusBrokerReceiver(receiver, `${address.topic}/Subscriptions/${address.subscription}${deadLetter ? "/$DeadLetterQueue" : ""}`);
  }

  async counts(topic: string, subscription: string): Promise<SubscriptionCounts> {
    try {
      const runtime = await this.admin.getSubscriptionRuntimeProperties(topic, subscription);
      // `scheduled` is informational: Azure may account a message scheduled on a topic at the topic
      // until its time rather than per subscription. Never treat it as demand.
      return { active: runtime.activeMessageCount, deadLetter: runtime.deadLetterMessageCount, scheduled: scheduledCountOf(runtime._response) };
    } catch (error) {
      throw translateServiceBusError(error, `reading the counts of ${topic}/${subscription}`);
    }
  }

  async close(): Promise<void> {
    const senders = [...this.senders.values()];
    this.senders.clear();
    await Promise.all(senders.map((sender) => sender.close().catch(() => undefined)));
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

function tooLarge(messageId: string | undefined, batch: ServiceBusMessageBatch): BrokerError {
  return new BrokerError("invalid", `message ${messageId ?? "?"} does not fit in a batch of ${batch.maxSizeInBytes} bytes (the entity's maximum message size)`);
}
