/**
 * The broker port: what the dispatcher, the dead-letter monitor and the factory agent need from a
 * message broker, free of SDK types. Adapters: `memory/` (unit tests, simulation) and
 * `service-bus/` (Azure Service Bus through @azure/service-bus; the local protocol broker in
 * peers/service-bus speaks the same protocol).
 *
 * Contract (proven by broker/contract/broker-contract.ts against every adapter):
 * - `publish` resolves only once the broker has accepted every message (at-least-once). A message
 *   whose id was published within the topic's duplicate-detection window is accepted and dropped.
 * - Every subscription whose filter matches a message's application properties gets a copy.
 * - `receive` is peek-lock: a message stays locked for the subscription's lock duration; complete
 *   removes it, abandon makes it available again with deliveryCount + 1, deadLetter moves it to
 *   the subscription's dead-letter sub-queue with the reason; a lock that expires redelivers it
 *   with deliveryCount + 1; past maxDeliveryCount it is dead-lettered with reason
 *   "MaxDeliveryCountExceeded". Settling a message whose lock was lost fails with
 *   BrokerError("lock_lost").
 * - A message past its time-to-live is never delivered; with deadLetterOnExpiration it goes to the
 *   dead-letter sub-queue with reason "TTLExpiredException".
 * - Transport failures surface as BrokerError("unavailable"); callers own the retry loop.
 */
export interface BrokerPort {
  /** Creates the topic and subscriptions (with their rules) if missing and updates their settings. Idempotent. */
  ensureTopology(topology: BrokerTopology): Promise<void>;
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** A peek-lock receiver on a subscription or its dead-letter sub-queue. */
  openReceiver(address: ReceiverAddress, options?: ReceiverOptions): BrokerReceiver;
  /** Active (including locked) and dead-letter message counts of one subscription. */
  counts(topic: string, subscription: string): Promise<SubscriptionCounts>;
  close(): Promise<void>;
}

export interface BrokerReceiver {
  /** Up to `max` messages, waiting at most `maxWaitMs` for the first. Never more than `max` are locked by this call. */
  receive(max: number, maxWaitMs: number): Promise<ReceivedMessage[]>;
  complete(message: ReceivedMessage): Promise<void>;
  abandon(message: ReceivedMessage): Promise<void>;
  deadLetter(message: ReceivedMessage, reason: string, description?: string): Promise<void>;
  /** Extends the lock; returns the new locked-until instant (ms). */
  renewLock(message: ReceivedMessage): Promise<number>;
  close(): Promise<void>;
}

export interface BrokerTopology {
  topic: string;
  duplicateDetectionWindowMs: number;
  subscriptions: readonly SubscriptionSpec[];
}

export interface SubscriptionSpec {
  name: string;
  lockDurationMs: number;
  maxDeliveryCount: number;
  deadLetterOnExpiration: boolean;
  /** Correlation filter: every listed application property must equal the value. */
  filter: Readonly<Record<string, string | number | boolean>>;
}

export type PropertyValue = string | number | boolean;

export interface OutgoingMessage {
  messageId: string;
  /** JSON-serialisable body. */
  body: unknown;
  applicationProperties: Readonly<Record<string, PropertyValue>>;
  timeToLiveMs?: number;
  /** Not delivered before this instant (ms since epoch). */
  scheduledEnqueueAt?: number;
}

export interface ReceivedMessage {
  messageId: string;
  /** The body as received: parsed JSON when it was JSON, otherwise the raw value. Validate it. */
  body: unknown;
  applicationProperties: Readonly<Record<string, PropertyValue>>;
  /** 0 on first delivery. */
  deliveryCount: number;
  enqueuedAt: number;
  lockedUntil: number;
  sequenceNumber: number;
  deadLetterReason?: string;
  deadLetterDescription?: string;
  /** Adapter-private handle for settlement; do not inspect. */
  readonly handle: unknown;
}

export interface ReceiverAddress {
  topic: string;
  subscription: string;
  deadLetter?: boolean;
}

export interface ReceiverOptions {
  /** Messages the adapter may lock ahead of `receive` calls. Keep it at or below free seats. */
  prefetch?: number;
}

export interface SubscriptionCounts {
  active: number;
  deadLetter: number;
  scheduled: number;
}

export type BrokerErrorCode = "unavailable" | "not_found" | "lock_lost" | "timeout" | "unauthorized" | "invalid";

/** The one error the broker port throws; adapters translate SDK errors into it. */
export class BrokerError extends Error {
  readonly code: BrokerErrorCode;
  constructor(code: BrokerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BrokerError";
    this.code = code;
  }
}

export function isBrokerError(error: unknown, code?: BrokerErrorCode): error is BrokerError {
  return error instanceof BrokerError && (code === undefined || error.code === code);
}
