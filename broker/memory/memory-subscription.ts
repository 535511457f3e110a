import type { PropertyValue, SubscriptionSpec } from "../port.js";
import type { StoredMessage } from "./memory-message.js";
import { PeekLockQueue } from "./peek-lock-queue.js";

const EXPIRED_DESCRIPTION = "The message expired and was dead lettered.";
const MAX_DELIVERY_DESCRIPTION = "Message could not be consumed after the maximum number of delivery attempts.";

/**
 * A subscription in memory: its correlation filter, its main queue and its dead-letter sub-queue.
 * Settings are replaced in place by ensureTopology and take effect on the next lock, as on Service Bus.
 */
export class MemorySubscription {
  readonly main: PeekLockQueue;
  readonly deadLetters: PeekLockQueue;

  constructor(
    readonly name: string,
    public spec: SubscriptionSpec,
  ) {
    const moveToDeadLetters = (message: StoredMessage, reason: string, description: string) => {
      message.deadLetterReason = reason;
      message.deadLetterDescription = description;
      // The dead-letter sub-queue delivers it at once, whatever its original schedule.
      this.deadLetters.add(message, Number.NEGATIVE_INFINITY);
    };
    this.main = new PeekLockQueue({
      lockDurationMs: () => this.spec.lockDurationMs,
      maxDeliveryCount: () => this.spec.maxDeliveryCount,
      expires: true,
      onGiveUp: (message, reason) => {
        if (reason === "MaxDeliveryCountExceeded") moveToDeadLetters(message, reason, MAX_DELIVERY_DESCRIPTION);
        else if (this.spec.deadLetterOnExpiration) moveToDeadLetters(message, reason, EXPIRED_DESCRIPTION);
        // else: an expired message without dead-lettering on expiration is simply gone.
      },
    });
    this.deadLetters = new PeekLockQueue({
      lockDurationMs: () => this.spec.lockDurationMs,
      // Service Bus never dead-letters or expires a dead-lettered message; it stays until completed.
      maxDeliveryCount: () => undefined,
      expires: false,
      onGiveUp: () => undefined,
    });
  }

  /** Correlation filter: every listed property must equal the message's (same type, same value). */
  matches(properties: Readonly<Record<string, PropertyValue>>): boolean {
    return Object.entries(this.spec.filter).every(([key, value]) => properties[key] === value);
  }

  /** Moves a message locked by `token` from the main queue to the dead-letter sub-queue. */
  deadLetter(sequenceNumber: number, token: number, now: number, reason: string, description: string | undefined): "ok" | "lock_lost" {
    const message = this.main.messages.get(sequenceNumber);
    const outcome = this.main.settle(sequenceNumber, token, now, "remove");
    if (outcome === "ok" && message !== undefined) {
      message.deadLetterReason = reason;
      if (description === undefined) delete message.deadLetterDescription;
      else message.deadLetterDescription = description;
      this.deadLetters.add(message, Number.NEGATIVE_INFINITY);
    }
    return outcome;
  }

  refresh(now: number): void {
    this.main.refresh(now);
    this.deadLetters.refresh(now);
  }
}
