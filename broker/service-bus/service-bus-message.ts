import type { ServiceBusMessage, ServiceBusReceivedMessage } from "@azure/service-bus";
import { BrokerError, type OutgoingMessage, type PropertyValue, type ReceivedMessage } from "../port.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The wire form of a port message: the body as UTF-8 JSON bytes in an AMQP data section with
 * contentType application/json (what any Service Bus client, in any language, reads as JSON),
 * rather than an AMQP-encoded JS object that only another AMQP-typed reader understands.
 */
export function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  let json: string | undefined;
  try {
    json = JSON.stringify(message.body);
  } catch (error) {
    throw new BrokerError("invalid", `message ${message.messageId}: the body is not JSON-serialisable`, { cause: error });
  }
  if (json === undefined) throw new BrokerError("invalid", `message ${message.messageId}: the body is not JSON-serialisable`);
  return {
    messageId: message.messageId,
    body: Buffer.from(json, "utf8"),
    contentType: "application/json",
    applicationProperties: { ...message.applicationProperties },
    ...(message.timeToLiveMs === undefined ? {} : { timeToLive: message.timeToLiveMs }),
    ...(message.scheduledEnqueueAt === undefined ? {} : { scheduledEnqueueTimeUtc: new Date(message.scheduledEnqueueAt) }),
  };
}

export function fromServiceBusMessage(message: ServiceBusReceivedMessage): ReceivedMessage {
  const properties: Record<string, PropertyValue> = {};
  for (const [key, value] of Object.entries(message.applicationProperties ?? {})) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") properties[key] = value;
  }
  return {
    messageId: message.messageId === undefined ? "" : String(message.messageId),
    body: decodeBody(message.body),
    applicationProperties: properties,
    deliveryCount: message.deliveryCount ?? 0,
    enqueuedAt: message.enqueuedTimeUtc?.getTime() ?? 0,
    lockedUntil: message.lockedUntilUtc?.getTime() ?? 0,
    sequenceNumber: message.sequenceNumber === undefined ? 0 : Number(message.sequenceNumber.toString()),
    ...(message.deadLetterReason === undefined ? {} : { deadLetterReason: message.deadLetterReason }),
    ...(message.deadLetterErrorDescription === undefined ? {} : { deadLetterDescription: message.deadLetterErrorDescription }),
    handle: message,
  };
}

/**
 * Bytes (a data section, how this adapter publishes) are parsed as JSON; bytes that are not JSON
 * come back as their text, or as the bytes when they are not even UTF-8. Anything else (an
 * AMQP-value body from another producer, including messages published before the JSON-bytes
 * encoding) is returned as the SDK decoded it. The caller validates the result and dead-letters
 * what it cannot use, with the reason.
 */
export function decodeBody(body: unknown): unknown {
  if (!(body instanceof Uint8Array)) return body;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return body;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
