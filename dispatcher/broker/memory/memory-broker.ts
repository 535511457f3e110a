import type { Clock } from "../../../contracts/index.js";
import { BrokerState, EntityExists, EntityNotFound } from "../../../peers/service-bus/broker-state.js";
import type { MessageQueue } from "../../../peers/service-bus/entities.js";
import { makeRule } from "../../../peers/service-bus/rules.js";
import {
  BrokerError,
  type BrokerPort,
  type BrokerReceiver,
  type BrokerTopology,
  type OutgoingMessage,
  type PropertyValue,
  type ReceivedMessage,
  type ReceiverAddress,
  type SubscriptionCounts,
} from "../port.js";

export type BrokerFaultOp = "publish" | "receive" | "settle" | "renew" | "counts";
/** "refuse": the call fails (connection refused). "drop-ack": the publish happens but the caller
 * sees a timeout, as a half-open connection gives (an unknown outcome). */
export type BrokerFault = "none" | "refuse" | "drop-ack";

export interface MemoryBrokerOptions {
  clock?: Clock;
  faults?: (op: BrokerFaultOp) => BrokerFault;
  /** Let receive() wait up to maxWaitMs in real time for a message (for tests with real agents). */
  realTime?: boolean;
}

interface Handle {
  queue: MessageQueue;
  token: string;
}

/**
 * The broker port in memory, for unit tests and the deterministic simulator. It runs the same
 * engine as the local Service Bus protocol broker (peers/service-bus: topics, correlation rules,
 * peek-lock, delivery count, dead-lettering, duplicate detection, TTL), minus the network, on an
 * injected clock: lock expiry and TTL are evaluated lazily at every call, never by timers.
 */
export class MemoryBroker implements BrokerPort {
  readonly state: BrokerState;
  private readonly clock: Clock;

  constructor(private readonly options: MemoryBrokerOptions = {}) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.state = new BrokerState(() => this.clock.now());
  }

  async ensureTopology(topology: BrokerTopology): Promise<void> {
    this.fault("counts");
    let topic = this.state.topics.get(topology.topic);
    if (topic === undefined) topic = this.state.createTopic(topology.topic, { requiresDuplicateDetection: true, duplicateDetectionWindowMs: topology.duplicateDetectionWindowMs });
    for (const spec of topology.subscriptions) {
      const settings = { lockDurationMs: spec.lockDurationMs, maxDeliveryCount: spec.maxDeliveryCount, deadLetteringOnMessageExpiration: spec.deadLetterOnExpiration };
      let subscription = topic.subscriptions.get(spec.name);
      if (subscription === undefined) subscription = this.state.createSubscription(topic.name, spec.name, settings);
      else subscription.settings = { ...subscription.settings, ...settings };
      subscription.rules.clear();
      subscription.rules.set("pool", makeRule("pool", { kind: "correlation", spec: { properties: { ...spec.filter } } }));
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const fault = this.fault("publish");
    try {
      for (const message of messages) {
        this.state.publish(topic, {
          message_id: message.messageId,
          body: structuredClone(message.body),
          application_properties: { ...message.applicationProperties },
          ...(message.timeToLiveMs === undefined ? {} : { ttl: message.timeToLiveMs }),
          ...(message.scheduledEnqueueAt === undefined ? {} : { message_annotations: { "x-opt-scheduled-enqueue-time": new Date(message.scheduledEnqueueAt) } }),
        });
      }
    } catch (error) {
      throw translate(error);
    }
    if (fault === "drop-ack") throw new BrokerError("timeout", `publish to ${topic}: no acknowledgement (the outcome is unknown)`);
  }

  openReceiver(address: ReceiverAddress): BrokerReceiver {
    const path = `${address.topic}/Subscriptions/${address.subscription}${address.deadLetter === true ? "/$DeadLetterQueue" : ""}`;
    return {
      receive: async (max, maxWaitMs) => {
        this.fault("receive");
        const deadline = this.clock.now() + maxWaitMs;
        for (;;) {
          const queue = this.queue(path);
          this.state.sweep();
          const now = this.clock.now();
          const received: ReceivedMessage[] = [];
          for (const stored of queue.available(now)) {
            if (received.length >= max) break;
            const token = queue.lock(stored, now);
            const handle: Handle = { queue, token };
            received.push({
              messageId: stored.messageId,
              body: structuredClone(stored.message.body),
              applicationProperties: { ...(stored.message.application_properties ?? {}) } as Record<string, PropertyValue>,
              deliveryCount: stored.deliveryCount,
              enqueuedAt: stored.enqueuedAt,
              lockedUntil: stored.lockedUntil!,
              sequenceNumber: stored.sequenceNumber,
              ...(stored.deadLetterReason === undefined ? {} : { deadLetterReason: stored.deadLetterReason }),
              ...(stored.deadLetterDescription === undefined ? {} : { deadLetterDescription: stored.deadLetterDescription }),
              handle,
            });
          }
          if (received.length > 0 || this.options.realTime !== true || Date.now() >= deadline) return received;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      complete: async (message) => this.settle(message, (h, now) => h.queue.complete(h.token, now)),
      abandon: async (message) => this.settle(message, (h, now) => h.queue.abandon(h.token, now)),
      deadLetter: async (message, reason, description) => this.settle(message, (h, now) => h.queue.deadLetterMessage(h.token, now, reason, description)),
      renewLock: async (message) => {
        this.fault("renew");
        const handle = message.handle as Handle;
        const until = handle.queue.renew(handle.token, this.clock.now());
        if (until === undefined) throw new BrokerError("lock_lost", `the lock on ${message.messageId} was lost`);
        return until;
      },
      close: async () => undefined,
    };
  }

  async counts(topic: string, subscription: string): Promise<SubscriptionCounts> {
    this.fault("counts");
    this.state.sweep();
    try {
      const sub = this.state.subscription(topic, subscription);
      const main = sub.main.counts(this.clock.now());
      return { active: main.active, deadLetter: sub.dlq.messages.size, scheduled: main.scheduled };
    } catch (error) {
      throw translate(error);
    }
  }

  async close(): Promise<void> {}

  private queue(path: string): MessageQueue {
    try {
      return this.state.queueAt(path);
    } catch (error) {
      throw translate(error);
    }
  }

  private settle(message: ReceivedMessage, action: (handle: Handle, now: number) => "ok" | "lock-lost"): void {
    this.fault("settle");
    const handle = message.handle as Handle;
    this.state.sweep();
    if (action(handle, this.clock.now()) === "lock-lost") throw new BrokerError("lock_lost", `the lock on ${message.messageId} was lost`);
    this.state.notify(handle.queue);
  }

  private fault(op: BrokerFaultOp): BrokerFault {
    const fault = this.options.faults?.(op) ?? "none";
    if (fault === "refuse") throw new BrokerError("unavailable", `${op}: connection refused (injected)`);
    return fault;
  }
}

function translate(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  if (error instanceof EntityNotFound) return new BrokerError("not_found", error.message, { cause: error });
  if (error instanceof EntityExists) return new BrokerError("invalid", error.message, { cause: error });
  return new BrokerError("unavailable", error instanceof Error ? error.message : String(error), { cause: error });
}
