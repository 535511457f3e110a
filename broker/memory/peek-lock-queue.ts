import type { StoredMessage } from "./memory-message.js";

/** What a queue does with a message it gives up on; the subscription decides (main queue: move it to
 * the dead-letter sub-queue; dead-letter sub-queue: nothing, it never dead-letters again). */
export interface QueuePolicy {
  lockDurationMs(): number;
  /** Failed deliveries after which the message is dead-lettered; undefined: never. */
  maxDeliveryCount(): number | undefined;
  /** Whether time-to-live applies (Service Bus does not expire dead-lettered messages). */
  expires: boolean;
  /** Called when the message leaves this queue for good (dead-lettered, or expired). */
  onGiveUp(message: StoredMessage, reason: "MaxDeliveryCountExceeded" | "TTLExpiredException"): void;
}

export type SettleOutcome = "ok" | "lock_lost";

/**
 * A peek-lock queue on a caller-supplied clock. Nothing runs on timers: every public method first
 * applies what time did since the last call (`refresh`): expired locks redeliver with
 * deliveryCount + 1 (or dead-letter past the maximum), expired time-to-live removes the message,
 * scheduled messages become visible. A virtual clock therefore drives it exactly.
 */
export class PeekLockQueue {
  /** In sequence order: delivery picks the first available, as Service Bus does. */
  readonly messages = new Map<number, StoredMessage>();
  private readonly locked = new Set<StoredMessage>();
  private readonly withTtl = new Set<StoredMessage>();
  private readonly scheduled = new Set<StoredMessage>();
  private nextToken = 1;

  constructor(private readonly policy: QueuePolicy) {}

  add(message: StoredMessage, now: number): void {
    this.messages.set(message.sequenceNumber, message);
    if (this.policy.expires && Number.isFinite(message.expiresAt)) this.withTtl.add(message);
    if (message.enqueuedAt > now) this.scheduled.add(message);
  }

  refresh(now: number): void {
    for (const message of this.locked) {
      if (message.lock !== undefined && message.lock.until <= now) this.release(message);
    }
    for (const message of this.scheduled) if (message.enqueuedAt <= now) this.scheduled.delete(message);
    for (const message of this.withTtl) {
      if (message.lock === undefined && message.expiresAt <= now && this.messages.has(message.sequenceNumber)) {
        this.remove(message);
        this.policy.onGiveUp(message, "TTLExpiredException");
      }
    }
  }

  /** Locks up to `max` available messages, oldest first. */
  lockAvailable(max: number, now: number): StoredMessage[] {
    this.refresh(now);
    const locked: StoredMessage[] = [];
    for (const message of this.messages.values()) {
      if (locked.length >= max) break;
      if (message.lock !== undefined || this.scheduled.has(message)) continue;
      message.lock = { token: this.nextToken++, until: now + this.policy.lockDurationMs() };
      this.locked.add(message);
      locked.push(message);
    }
    return locked;
  }

  /** Settles the message if `token` still holds its lock; the action decides where it goes. */
  settle(sequenceNumber: number, token: number, now: number, action: "complete" | "abandon" | "remove"): SettleOutcome {
    this.refresh(now);
    const message = this.messages.get(sequenceNumber);
    if (message?.lock === undefined || message.lock.token !== token) return "lock_lost";
    if (action === "abandon") this.release(message);
    else this.remove(message);
    return "ok";
  }

  renew(sequenceNumber: number, token: number, now: number): number | undefined {
    this.refresh(now);
    const message = this.messages.get(sequenceNumber);
    if (message?.lock === undefined || message.lock.token !== token) return undefined;
    message.lock.until = now + this.policy.lockDurationMs();
    return message.lock.until;
  }

  /** Visible messages (locked ones included, as Service Bus's ActiveMessageCount) and scheduled ones. */
  counts(now: number): { active: number; scheduled: number } {
    this.refresh(now);
    return { active: this.messages.size - this.scheduled.size, scheduled: this.scheduled.size };
  }

  /** A broker restart: every lock is lost and its message counts a failed delivery. */
  dropLocks(): void {
    for (const message of [...this.locked]) this.release(message);
  }

  /** A failed delivery (abandon or lock expiry): available again, or dead-lettered past the maximum. */
  private release(message: StoredMessage): void {
    message.lock = undefined;
    this.locked.delete(message);
    message.deliveryCount += 1;
    const max = this.policy.maxDeliveryCount();
    if (max !== undefined && message.deliveryCount >= max) {
      this.remove(message);
      this.policy.onGiveUp(message, "MaxDeliveryCountExceeded");
    }
  }

  private remove(message: StoredMessage): void {
    message.lock = undefined;
    this.messages.delete(message.sequenceNumber);
    this.locked.delete(message);
    this.withTtl.delete(message);
    this.scheduled.delete(message);
  }
}
