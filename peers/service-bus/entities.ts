import type { AmqpMessage as Message } from "./rhea-internals.js";
import { newLockToken } from "./lock-token.js";
import { DEFAULT_RULE_NAME, makeRule, type Rule, ruleMatches } from "./rules.js";

/** One copy of a message in one queue (a subscription or its dead-letter sub-queue). */
export interface StoredMessage {
  sequenceNumber: number;
  messageId: string;
  message: Message;
  enqueuedAt: number;
  expiresAt?: number;
  /** Not deliverable before this instant (scheduled messages). */
  availableAt: number;
  deliveryCount: number;
  lockToken?: string;
  lockedUntil?: number;
  deadLetterReason?: string;
  deadLetterDescription?: string;
}

export interface SubscriptionSettings {
  lockDurationMs: number;
  maxDeliveryCount: number;
  deadLetteringOnMessageExpiration: boolean;
  defaultMessageTtlMs?: number;
}

export interface TopicSettings {
  requiresDuplicateDetection: boolean;
  duplicateDetectionWindowMs: number;
  maxSizeInMegabytes: number;
  defaultMessageTtlMs?: number;
}

export type SettleOutcome = "ok" | "lock-lost";

/** Messages of one queue in sequence order, with peek-lock state. */
export class MessageQueue {
  readonly messages = new Map<number, StoredMessage>();
  readonly locks = new Map<string, StoredMessage>();

  constructor(
    readonly subscription: Subscription,
    readonly deadLetter: boolean,
  ) {}

  get entityPath(): string {
    return this.deadLetter ? `${this.subscription.path}/$DeadLetterQueue` : this.subscription.path;
  }

  add(message: StoredMessage): void {
    this.messages.set(message.sequenceNumber, message);
  }

  /** Available messages in order, handling expiry (TTL) on the way. */
  *available(now: number): Generator<StoredMessage> {
    for (const message of this.messages.values()) {
      if (message.lockToken !== undefined || message.availableAt > now) continue;
      if (!this.deadLetter && message.expiresAt !== undefined && message.expiresAt <= now) {
        this.subscription.expire(message);
        continue;
      }
      yield message;
    }
  }

  lock(message: StoredMessage, now: number): string {
    const token = newLockToken();
    message.lockToken = token;
    message.lockedUntil = now + this.subscription.settings.lockDurationMs;
    this.locks.set(token, message);
    return token;
  }

  /** Removes a message for receive-and-delete or complete. */
  remove(message: StoredMessage): void {
    this.messages.delete(message.sequenceNumber);
    if (message.lockToken !== undefined) this.locks.delete(message.lockToken);
  }

  held(token: string, now: number): StoredMessage | undefined {
    const message = this.locks.get(token);
    if (message === undefined || (message.lockedUntil ?? 0) < now) return undefined;
    return message;
  }

  complete(token: string, now: number): SettleOutcome {
    const message = this.held(token, now);
    if (message === undefined) return "lock-lost";
    this.remove(message);
    return "ok";
  }

  /** Abandon, or a lock that expired: redeliver with deliveryCount + 1, or dead-letter past the maximum. */
  release(message: StoredMessage, propertiesToModify?: Record<string, unknown>): void {
    if (message.lockToken !== undefined) this.locks.delete(message.lockToken);
    delete message.lockToken;
    delete message.lockedUntil;
    if (propertiesToModify !== undefined) {
      message.message.application_properties = { ...(message.message.application_properties ?? {}), ...propertiesToModify };
    }
    message.deliveryCount++;
    if (!this.deadLetter && message.deliveryCount >= this.subscription.settings.maxDeliveryCount) {
      this.subscription.moveToDeadLetter(message, "MaxDeliveryCountExceeded", `Message could not be consumed after ${this.subscription.settings.maxDeliveryCount} delivery attempts.`);
    }
  }

  abandon(token: string, now: number, propertiesToModify?: Record<string, unknown>): SettleOutcome {
    const message = this.held(token, now);
    if (message === undefined) return "lock-lost";
    this.release(message, propertiesToModify);
    return "ok";
  }

  deadLetterMessage(token: string, now: number, reason: string | undefined, description: string | undefined, propertiesToModify?: Record<string, unknown>): SettleOutcome {
    const message = this.held(token, now);
    if (message === undefined) return "lock-lost";
    if (this.deadLetter) return "ok";
    if (propertiesToModify !== undefined) {
      message.message.application_properties = { ...(message.message.application_properties ?? {}), ...propertiesToModify };
    }
    this.subscription.moveToDeadLetter(message, reason, description);
    return "ok";
  }

  renew(token: string, now: number): number | undefined {
    const message = this.held(token, now);
    if (message === undefined) return undefined;
    message.lockedUntil = now + this.subscription.settings.lockDurationMs;
    return message.lockedUntil;
  }

  /** Releases every lock whose time is up. Returns whether anything changed. */
  expireLocks(now: number): boolean {
    let changed = false;
    for (const message of [...this.locks.values()]) {
      if ((message.lockedUntil ?? 0) <= now) {
        this.release(message);
        changed = true;
      }
    }
    return changed;
  }

  /** Every lock dropped at once (a broker node restart): messages become available again. */
  dropLocks(): void {
    for (const message of [...this.locks.values()]) this.release(message);
  }

  counts(now: number): { active: number; scheduled: number } {
    let scheduled = 0;
    for (const message of this.messages.values()) if (message.availableAt > now) scheduled++;
    return { active: this.messages.size - scheduled, scheduled };
  }
}

export class Subscription {
  readonly main: MessageQueue;
  readonly dlq: MessageQueue;
  readonly rules = new Map<string, Rule>();
  createdAt: number;
  updatedAt: number;
  accessedAt: number;

  constructor(
    readonly topic: Topic,
    readonly name: string,
    public settings: SubscriptionSettings,
    now: number,
  ) {
    this.main = new MessageQueue(this, false);
    this.dlq = new MessageQueue(this, true);
    this.rules.set(DEFAULT_RULE_NAME, makeRule(DEFAULT_RULE_NAME, { kind: "true" }));
    this.createdAt = now;
    this.updatedAt = now;
    this.accessedAt = now;
  }

  get path(): string {
    return `${this.topic.name}/Subscriptions/${this.name}`;
  }

  accepts(message: Message): boolean {
    for (const rule of this.rules.values()) if (ruleMatches(rule, message)) return true;
    return false;
  }

  moveToDeadLetter(message: StoredMessage, reason: string | undefined, description: string | undefined): void {
    this.main.remove(message);
    delete message.lockToken;
    delete message.lockedUntil;
    const props: Record<string, unknown> = { ...(message.message.application_properties ?? {}) };
    if (reason !== undefined) props.DeadLetterReason = reason;
    if (description !== undefined) props.DeadLetterErrorDescription = description;
    message.message.application_properties = props;
    if (reason !== undefined) message.deadLetterReason = reason;
    if (description !== undefined) message.deadLetterDescription = description;
    this.dlq.add(message);
  }

  expire(message: StoredMessage): void {
    if (this.settings.deadLetteringOnMessageExpiration) {
      this.moveToDeadLetter(message, "TTLExpiredException", "The message expired and was dead lettered.");
    } else {
      this.main.remove(message);
    }
  }
}

export class Topic {
  readonly subscriptions = new Map<string, Subscription>();
  /** messageId -> when it was last accepted, for duplicate detection. */
  readonly recentIds = new Map<string, number>();
  createdAt: number;
  updatedAt: number;

  constructor(
    readonly name: string,
    public settings: TopicSettings,
    now: number,
  ) {
    this.createdAt = now;
    this.updatedAt = now;
  }

  /** True when this message id was seen within the window (the copy must be dropped). */
  isDuplicate(messageId: string, now: number): boolean {
    if (!this.settings.requiresDuplicateDetection) return false;
    const seen = this.recentIds.get(messageId);
    if (seen !== undefined && now - seen < this.settings.duplicateDetectionWindowMs) return true;
    this.recentIds.set(messageId, now);
    if (this.recentIds.size > 100_000) {
      for (const [id, at] of this.recentIds) if (now - at >= this.settings.duplicateDetectionWindowMs) this.recentIds.delete(id);
    }
    return false;
  }
}
