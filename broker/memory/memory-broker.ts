import { setTimeout as sleep } from "node:timers/promises";
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
import { decodeWireBody, type StoredMessage } from "./memory-message.js";
import { MemorySubscription } from "./memory-subscription.js";
import { MemoryTopic, type TopicMessage } from "./memory-topic.js";

/** The operations a fault can hit. ensureTopology is never faulted: it runs once at start. */
export type BrokerFaultOp = "publish" | "receive" | "settle" | "renew" | "counts";

/**
 * An injected fault for one call.
 * - "refuse": nothing happens and the call fails with BrokerError("unavailable"), as a refused
 *   connection gives.
 * - "drop-ack": the operation IS applied, then the call fails with BrokerError("timeout"): the
 *   acknowledgement was lost (a half-open connection). For publish this is the interesting case
 *   (the message is there; a retry must be dropped by duplicate detection); for receive the
 *   messages are locked but never handed over (their locks expire); for settle and renew the
 *   caller does not know its settlement or renewal happened.
 */
export type BrokerFault = "none" | "refuse" | "drop-ack" | "blackhole";

export interface MemoryBrokerOptions {
  /** Lock expiry, time-to-live, scheduling and duplicate windows are all measured on this clock,
   * evaluated lazily at every call (no timers), so a virtual clock drives the broker exactly. */
  clock?: { now(): number };
  /** Decides a fault per call, for the simulator. Default: never. */
  faults?: (op: BrokerFaultOp) => BrokerFault;
  /** Let receive() wait (real setTimeout, up to maxWaitMs) for a first message, for tests that run
   * real agents. Default false: receive() returns what is available right away. */
  realTime?: boolean;
}

/** A malformed message, as another producer might send it: the text goes on the wire as is. */
export interface RawMessage {
  messageId: string;
  text: string;
  applicationProperties: Readonly<Record<string, PropertyValue>>;
}

interface Handle {
  subscription: MemorySubscription;
  deadLetter: boolean;
  sequenceNumber: number;
  token: number;
}

const POLL_MS = 10;

/**
 * The broker port in memory, for unit tests and the deterministic simulator, faithful to the port's
 * contract (see port.ts and broker/contract/broker-contract.ts): topics, correlation-filter subscriptions,
 * peek-lock with lock duration, delivery count, max delivery count and TTL dead-lettering,
 * duplicate detection, scheduled enqueue, counts. Bodies travel as JSON text, so a receiver never
 * shares an object with the publisher, and a non-JSON body comes back raw as on Service Bus.
 */
export class MemoryBroker implements BrokerPort {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly clock: { now(): number };
  private readonly wakers = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: MemoryBrokerOptions = {}) {
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  async ensureTopology(topology: BrokerTopology): Promise<void> {
    this.ifOpen(() => {
      let topic = this.topics.get(topology.topic);
      if (topic === undefined) {
        topic = new MemoryTopic(topology.topic, topology.duplicateDetectionWindowMs);
        this.topics.set(topic.name, topic);
      }
      topic.duplicateDetectionWindowMs = topology.duplicateDetectionWindowMs;
      for (const spec of topology.subscriptions) {
        const existing = topic.subscriptions.get(spec.name);
        const copy = { ...spec, filter: { ...spec.filter } };
        if (existing === undefined) topic.subscriptions.set(spec.name, new MemorySubscription(spec.name, copy));
        else existing.spec = copy;
      }
    });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    // Encode everything first: like a Service Bus batch, either every message is accepted or none.
    const encoded = messages.map((message): TopicMessage => {
      let wireBody: string | undefined;
      try {
        wireBody = JSON.stringify(message.body);
      } catch (error) {
        throw new BrokerError("invalid", `message ${message.messageId}: the body is not JSON-serialisable`, { cause: error });
      }
      if (wireBody === undefined) throw new BrokerError("invalid", `message ${message.messageId}: the body is not JSON-serialisable`);
      return {
        messageId: message.messageId,
        wireBody,
        applicationProperties: message.applicationProperties,
        ...(message.timeToLiveMs === undefined ? {} : { timeToLiveMs: message.timeToLiveMs }),
        ...(message.scheduledEnqueueAt === undefined ? {} : { scheduledEnqueueAt: message.scheduledEnqueueAt }),
      };
    });
    this.call("publish", () => this.accept(topic, encoded));
  }

  /** Publishes a body that is not JSON (a foreign or corrupted producer), to prove consumers
   * dead-letter it instead of crashing. Not part of the port; no fault applies. */
  publishRaw(topic: string, messages: readonly RawMessage[]): void {
    this.accept(
      topic,
      messages.map((m) => ({ messageId: m.messageId, wireBody: m.text, applicationProperties: m.applicationProperties })),
    );
  }

  openReceiver(address: ReceiverAddress): BrokerReceiver {
    return new MemoryReceiver(this, address);
  }

  async counts(topic: string, subscription: string): Promise<SubscriptionCounts> {
    return this.call("counts", () => {
      const sub = this.subscription(topic, subscription);
      const now = this.clock.now();
      sub.refresh(now);
      const main = sub.main.counts(now);
      return { active: main.active, deadLetter: sub.deadLetters.counts(now).active, scheduled: main.scheduled };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.wakers) wake();
  }

  /** A broker restart for the simulator: every lock is lost, as when a broker node restarts. */
  restart(): void {
    for (const topic of this.topics.values()) {
      for (const subscription of topic.subscriptions.values()) {
        subscription.main.dropLocks();
        subscription.deadLetters.dropLocks();
      }
    }
  }

  /** @internal Runs one port call under the fault hook. */
  call<T>(op: BrokerFaultOp, action: () => T): T {
    return this.ifOpen(() => this.faulted(op, action));
  }

  private ifOpen<T>(action: () => T): T {
    if (this.closed) throw new BrokerError("invalid", "the broker client is closed");
    return action();
  }

  private faulted<T>(op: BrokerFaultOp, action: () => T): T {
    const fault = this.options.faults?.(op) ?? "none";
    if (fault === "refuse") throw new BrokerError("unavailable", `${op}: connection refused (injected fault)`);
    // Blackhole: the connection is open but nothing arrives; the caller times out, nothing happened.
    if (fault === "blackhole") throw new BrokerError("timeout", `${op}: no answer (injected blackhole; nothing was applied)`);
    const result = action();
    if (fault === "drop-ack") throw new BrokerError("timeout", `${op}: no acknowledgement (injected fault; the operation was applied)`);
    return result;
  }

  /** @internal */
  subscription(topic: string, subscription: string): MemorySubscription {
    const found = this.topics.get(topic)?.subscriptions.get(subscription);
    if (found === undefined) throw new BrokerError("not_found", `subscription ${topic}/${subscription} does not exist`);
    return found;
  }

  /** @internal */
  now(): number {
    return this.clock.now();
  }

  /** @internal Waits (real time) until something may have become available, at most `ms`. */
  async waitForChange(ms: number): Promise<void> {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.wakers.add(wake);
    const controller = new AbortController();
    await Promise.race([woken, sleep(Math.min(ms, POLL_MS), undefined, { signal: controller.signal }).catch(() => undefined)]);
    controller.abort();
    this.wakers.delete(wake);
  }

  get realTime(): boolean {
    return this.options.realTime === true;
  }

  /** @internal Something became available (publish, abandon): wake waiting receivers. */
  notify(): void {
    for (const wake of this.wakers) wake();
  }

  private accept(topicName: string, messages: readonly TopicMessage[]): void {
    const topic = this.topics.get(topicName);
    if (topic === undefined) throw new BrokerError("not_found", `topic ${topicName} does not exist`);
    const now = this.clock.now();
    for (const message of messages) topic.accept(message, now);
    this.notify();
  }
}

/** A peek-lock receiver on a subscription or its dead-letter sub-queue. Like the SDK's receiver:
 * resolving the entity happens at receive time, one receive at a time, and a closed receiver
 * rejects every call. */
class MemoryReceiver implements BrokerReceiver {
  private receiving = false;
  private closed = false;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly address: ReceiverAddress,
  ) {}

  async receive(max: number, maxWaitMs: number): Promise<ReceivedMessage[]> {
    this.ensureOpen();
    if (this.receiving) throw new BrokerError("invalid", "a receive is already in progress on this receiver");
    if (max < 1) return [];
    this.receiving = true;
    try {
      const waitUntil = performance.now() + (this.broker.realTime ? Math.max(0, maxWaitMs) : 0);
      for (;;) {
        const received = this.broker.call("receive", () => this.lock(max));
        if (received.length > 0 || performance.now() >= waitUntil || this.closed) return received;
        await this.broker.waitForChange(waitUntil - performance.now());
      }
    } finally {
      this.receiving = false;
    }
  }

  complete(message: ReceivedMessage): Promise<void> {
    return this.settle(message, "complete");
  }

  abandon(message: ReceivedMessage): Promise<void> {
    return this.settle(message, "abandon");
  }

  deadLetter(message: ReceivedMessage, reason: string, description?: string): Promise<void> {
    return this.settle(message, { reason, description });
  }

  async renewLock(message: ReceivedMessage): Promise<number> {
    this.ensureOpen();
    const handle = handleOf(message);
    return this.broker.call("renew", () => {
      const queue = handle.deadLetter ? handle.subscription.deadLetters : handle.subscription.main;
      const until = queue.renew(handle.sequenceNumber, handle.token, this.broker.now());
      if (until === undefined) throw lockLost(message);
      return until;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private lock(max: number): ReceivedMessage[] {
    const subscription = this.broker.subscription(this.address.topic, this.address.subscription);
    const deadLetter = this.address.deadLetter === true;
    const now = this.broker.now();
    subscription.refresh(now);
    const queue = deadLetter ? subscription.deadLetters : subscription.main;
    return queue.lockAvailable(max, now).map((stored) => toReceived(stored, { subscription, deadLetter, sequenceNumber: stored.sequenceNumber, token: stored.lock!.token }));
  }

  private async settle(message: ReceivedMessage, action: "complete" | "abandon" | { reason: string; description: string | undefined }): Promise<void> {
    this.ensureOpen();
    const handle = handleOf(message);
    this.broker.call("settle", () => {
      const { subscription } = handle;
      const now = this.broker.now();
      subscription.refresh(now);
      let outcome: "ok" | "lock_lost";
      if (typeof action === "string") {
        outcome = (handle.deadLetter ? subscription.deadLetters : subscription.main).settle(handle.sequenceNumber, handle.token, now, action);
      } else if (handle.deadLetter) {
        throw new BrokerError("invalid", `message ${message.messageId} is already dead-lettered`);
      } else {
        outcome = subscription.deadLetter(handle.sequenceNumber, handle.token, now, action.reason, action.description);
      }
      if (outcome === "lock_lost") throw lockLost(message);
      if (action === "abandon") this.broker.notify();
    });
  }

  private ensureOpen(): void {
    if (this.closed) throw new BrokerError("invalid", `the receiver on ${this.address.topic}/${this.address.subscription} is closed`);
  }
}

function toReceived(stored: StoredMessage, handle: Handle): ReceivedMessage {
  return {
    messageId: stored.messageId,
    body: decodeWireBody(stored.wireBody),
    applicationProperties: { ...stored.applicationProperties },
    deliveryCount: stored.deliveryCount,
    enqueuedAt: stored.enqueuedAt,
    lockedUntil: stored.lock!.until,
    sequenceNumber: stored.sequenceNumber,
    ...(stored.deadLetterReason === undefined ? {} : { deadLetterReason: stored.deadLetterReason }),
    ...(stored.deadLetterDescription === undefined ? {} : { deadLetterDescription: stored.deadLetterDescription }),
    handle,
  };
}

function handleOf(message: ReceivedMessage): Handle {
  const handle = message.handle as Partial<Handle> | undefined;
  if (handle?.subscription instanceof MemorySubscription && typeof handle.token === "number") return handle as Handle;
  throw new BrokerError("invalid", `message ${message.messageId} was not received from a memory broker`);
}

function lockLost(message: ReceivedMessage): BrokerError {
  return new BrokerError("lock_lost", `the lock on message ${message.messageId} was lost (expired, or settled already)`);
}
