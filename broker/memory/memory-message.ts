import type { PropertyValue } from "../port.js";

/**
 * One copy of a message as a memory subscription (or its dead-letter sub-queue) holds it. Each
 * subscription gets its own copy on publish, as on Service Bus, so settling in one never touches
 * another.
 */
export interface StoredMessage {
  /** Shared by every subscription's copy of one published message (assigned at the topic). */
  sequenceNumber: number;
  messageId: string;
  /** The body as it travels on the wire: JSON text for anything published through the port, or
   * arbitrary text injected as a malformed message. Decoded again on every delivery. */
  wireBody: string;
  applicationProperties: Readonly<Record<string, PropertyValue>>;
  /** When it became (or becomes, if scheduled) available: the publish instant or the scheduled one. */
  enqueuedAt: number;
  /** enqueuedAt + time-to-live; Infinity without a time-to-live. Service Bus counts the time-to-live
   * from the enqueue time, so a scheduled message's clock starts at its scheduled instant. */
  expiresAt: number;
  /** Failed deliveries so far (abandon or lock expiry); 0 before the first delivery. */
  deliveryCount: number;
  lock?: { token: number; until: number };
  deadLetterReason?: string;
  deadLetterDescription?: string;
}

/** The body handed to the receiver: parsed JSON when it is JSON, otherwise the raw text. */
export function decodeWireBody(wireBody: string): unknown {
  try {
    return JSON.parse(wireBody);
  } catch {
    return wireBody;
  }
}
