import { randomUUID } from "node:crypto";
import type { AmqpMessage as Message } from "./rhea-internals.js";
import { type MessageQueue, type StoredMessage, Subscription, type SubscriptionSettings, Topic, type TopicSettings } from "./entities.js";

export class EntityNotFound extends Error {
  constructor(path: string) {
    super(`The messaging entity '${path}' could not be found.`);
    this.name = "EntityNotFound";
  }
}

export class EntityExists extends Error {
  constructor(path: string) {
    super(`The messaging entity '${path}' already exists.`);
    this.name = "EntityExists";
  }
}

export const DEFAULT_TOPIC: TopicSettings = { requiresDuplicateDetection: false, duplicateDetectionWindowMs: 10 * 60_000, maxSizeInMegabytes: 1024 };
export const DEFAULT_SUBSCRIPTION: SubscriptionSettings = { lockDurationMs: 60_000, maxDeliveryCount: 10, deadLetteringOnMessageExpiration: false };

/**
 * Everything the broker holds: topics, subscriptions, rules and messages. Transport-free and
 * driven by an injected clock; the AMQP server and the ATOM endpoint both work on it.
 */
export class BrokerState {
  readonly topics = new Map<string, Topic>();
  nextSequenceNumber = 1;
  private readonly listeners = new Set<(queue: MessageQueue) => void>();
  private readonly changeListeners = new Set<() => void>();

  constructor(readonly now: () => number) {}

  /** Called when a queue may have deliverable messages. */
  onQueueChange(listener: (queue: MessageQueue) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after any change worth persisting. */
  onChange(listener: () => void): void {
    this.changeListeners.add(listener);
  }

  notify(queue: MessageQueue): void {
    for (const listener of this.listeners) listener(queue);
    this.changed();
  }

  changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  createTopic(name: string, settings: Partial<TopicSettings> = {}): Topic {
    if (this.topics.has(name)) throw new EntityExists(name);
    const topic = new Topic(name, { ...DEFAULT_TOPIC, ...settings }, this.now());
    this.topics.set(name, topic);
    this.changed();
    return topic;
  }

  topic(name: string): Topic {
    const topic = this.topics.get(name);
    if (topic === undefined) throw new EntityNotFound(name);
    return topic;
  }

  createSubscription(topicName: string, name: string, settings: Partial<SubscriptionSettings> = {}): Subscription {
    const topic = this.topic(topicName);
    if (topic.subscriptions.has(name)) throw new EntityExists(`${topicName}/Subscriptions/${name}`);
    const subscription = new Subscription(topic, name, { ...DEFAULT_SUBSCRIPTION, ...settings }, this.now());
    topic.subscriptions.set(name, subscription);
    this.changed();
    return subscription;
  }

  subscription(topicName: string, name: string): Subscription {
    const subscription = this.topic(topicName).subscriptions.get(name);
    if (subscription === undefined) throw new EntityNotFound(`${topicName}/Subscriptions/${name}`);
    return subscription;
  }

  /** Resolves a link address: `topic/Subscriptions/sub[/$DeadLetterQueue]` (case-insensitive keywords). */
  queueAt(address: string): MessageQueue {
    const match = /^([^/]+)\/subscriptions\/([^/]+?)(\/\$deadletterqueue)?$/i.exec(address);
    if (match === null) throw new EntityNotFound(address);
    const subscription = this.subscription(match[1]!, match[2]!);
    return match[3] === undefined ? subscription.main : subscription.dlq;
  }

  /**
   * Accepts a message on a topic: stamps a message id when the sender gave none, drops a duplicate
   * within the detection window, and puts a copy on every subscription whose rules match.
   * Returns the sequence number (or undefined for a dropped duplicate).
   */
  publish(topicName: string, message: Message): number | undefined {
    const topic = this.topic(topicName);
    const now = this.now();
    if (message.message_id === undefined || message.message_id === null) message.message_id = randomUUID().replace(/-/g, "");
    const messageId = String(message.message_id);
    if (topic.isDuplicate(messageId, now)) return undefined;
    const sequenceNumber = this.nextSequenceNumber++;
    const annotations = (message.message_annotations ?? {}) as Record<string, unknown>;
    const scheduled = annotations["x-opt-scheduled-enqueue-time"];
    const availableAt = scheduled instanceof Date ? scheduled.getTime() : typeof scheduled === "number" ? scheduled : now;
    const ttl = typeof message.ttl === "number" && message.ttl > 0 ? message.ttl : topic.settings.defaultMessageTtlMs;
    for (const subscription of topic.subscriptions.values()) {
      if (!subscription.accepts(message)) continue;
      const subTtl = ttl ?? subscription.settings.defaultMessageTtlMs;
      const copy: StoredMessage = {
        sequenceNumber,
        messageId,
        message: structuredClone(message),
        enqueuedAt: now,
        availableAt,
        deliveryCount: 0,
        ...(subTtl === undefined ? {} : { expiresAt: Math.max(now, availableAt) + subTtl }),
      };
      subscription.main.add(copy);
      this.notify(subscription.main);
    }
    return sequenceNumber;
  }

  /** Removes a scheduled message by sequence number from every subscription of a topic. */
  cancelScheduled(topicName: string, sequenceNumber: number): void {
    const now = this.now();
    for (const subscription of this.topic(topicName).subscriptions.values()) {
      const message = subscription.main.messages.get(sequenceNumber);
      if (message !== undefined && message.availableAt > now) subscription.main.remove(message);
    }
    this.changed();
  }

  /** Releases expired locks and applies TTL everywhere; returns the queues that changed. */
  sweep(): MessageQueue[] {
    const now = this.now();
    const changed: MessageQueue[] = [];
    for (const topic of this.topics.values()) {
      for (const subscription of topic.subscriptions.values()) {
        for (const queue of [subscription.main, subscription.dlq]) {
          let dirty = queue.expireLocks(now);
          if (!queue.deadLetter) {
            for (const message of [...queue.messages.values()]) {
              if (message.lockToken === undefined && message.expiresAt !== undefined && message.expiresAt <= now) {
                subscription.expire(message);
                dirty = true;
              }
              if (message.availableAt > now - 1000 && message.availableAt <= now) dirty = true;
            }
          }
          if (dirty) changed.push(queue);
        }
      }
    }
    for (const queue of changed) this.notify(queue);
    return changed;
  }

  /** A broker restart: every lock is lost and its message becomes available again. */
  dropAllLocks(): void {
    for (const topic of this.topics.values()) {
      for (const subscription of topic.subscriptions.values()) {
        subscription.main.dropLocks();
        subscription.dlq.dropLocks();
      }
    }
    this.changed();
  }
}
