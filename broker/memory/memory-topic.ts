import type { PropertyValue } from "../port.js";
import type { StoredMessage } from "./memory-message.js";
import type { MemorySubscription } from "./memory-subscription.js";

export interface TopicMessage {
  messageId: string;
  wireBody: string;
  applicationProperties: Readonly<Record<string, PropertyValue>>;
  timeToLiveMs?: number;
  scheduledEnqueueAt?: number;
}

/**
 * A topic in memory: duplicate detection by message id and fan-out to every subscription whose
 * filter matches.
 */
export class MemoryTopic {
  readonly subscriptions = new Map<string, MemorySubscription>();
  /** Message id → when it was accepted, oldest first (the clock only moves forward). */
  private readonly seen = new Map<string, number>();
  private nextSequenceNumber = 1;

  constructor(
    readonly name: string,
    public duplicateDetectionWindowMs: number,
  ) {}

  /** Accepts one message: dropped when its id was accepted within the window (Service Bus keeps
   * the window from the first acceptance; a dropped duplicate does not extend it). */
  accept(message: TopicMessage, now: number): void {
    this.forgetOlderThan(now - this.duplicateDetectionWindowMs);
    if (this.seen.has(message.messageId)) return;
    this.seen.set(message.messageId, now);
    const sequenceNumber = this.nextSequenceNumber++;
    const enqueuedAt = Math.max(now, message.scheduledEnqueueAt ?? now);
    for (const subscription of this.subscriptions.values()) {
      if (!subscription.matches(message.applicationProperties)) continue;
      const copy: StoredMessage = {
        sequenceNumber,
        messageId: message.messageId,
        wireBody: message.wireBody,
        applicationProperties: { ...message.applicationProperties },
        enqueuedAt,
        expiresAt: message.timeToLiveMs === undefined ? Number.POSITIVE_INFINITY : enqueuedAt + message.timeToLiveMs,
        deliveryCount: 0,
      };
      subscription.main.add(copy, now);
    }
  }

  private forgetOlderThan(cutoff: number): void {
    for (const [id, acceptedAt] of this.seen) {
      if (acceptedAt > cutoff) break;
      this.seen.delete(id);
    }
  }
}
