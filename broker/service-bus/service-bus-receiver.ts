import type { DeadLetterOptions, ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus";
import { BrokerError, type BrokerReceiver, type ReceivedMessage } from "../port.js";
import { fromServiceBusMessage } from "./service-bus-message.js";
import { translateServiceBusError } from "./translate-service-bus-error.js";

/**
 * A peek-lock receiver on the SDK's ServiceBusReceiver, created by ServiceBusBroker.openReceiver
 * with automatic lock renewal OFF: the agent settles as soon as its lease is accepted and renews on
 * purpose when it must, so the SDK must not keep locks alive behind its back (a crashed agent's
 * message has to come back after one lock duration).
 *
 * Prefetch: none hidden. The SDK's receiveMessages(max) grants the link exactly `max` credits and
 * drains them at the end of the wait, so a call never locks more than `max` messages and nothing
 * is locked between calls. `ReceiverOptions.prefetch` is therefore not used: what a caller asks
 * for is what it may hold.
 *
 * Promptness: once a first message has arrived, receiveMessages(max > 1) waits up to 1 s more for
 * the batch to fill (`defaultMaxTimeAfterFirstMessageForBatchingMs` in the SDK's
 * ServiceBusReceiverImpl, passed to its batching receiver; 7.9 offers no option to change it). A
 * call for exactly one message ends as soon as that message arrives (the count is reached, no
 * credit is left to drain). So a receive asks for one message with the caller's wait, and once it
 * has one asks for the rest with a wait of TOP_UP_WAIT_MS: that call grants `max - 1` credits and
 * drains them at once, which brings whatever is available now and nothing that is not. Two calls
 * never hold more than `max` messages, and no credit is left on the link between receives. A
 * streaming subscribe() was ruled out: it re-grants a credit as each handler returns, so it keeps
 * messages locked ahead of the caller's free seats (their locks run out while every seat is busy,
 * burning delivery counts).
 */
/** The wait of the second call of a receive: long enough to drain in one round trip, no more. */
const TOP_UP_WAIT_MS = 1;

export class ServiceBusBrokerReceiver implements BrokerReceiver {
  private receiving = false;
  private closed = false;

  constructor(
    private readonly receiver: ServiceBusReceiver,
    private readonly path: string,
  ) {}

  async receive(max: number, maxWaitMs: number): Promise<ReceivedMessage[]> {
    this.ensureOpen();
    // The SDK rejects both with plain Errors that would read as "unavailable"; they are caller bugs.
    if (this.receiving) throw new BrokerError("invalid", `a receive is already in progress on ${this.path}`);
    if (max < 1) return [];
    this.receiving = true;
    try {
      const first = await this.receiver.receiveMessages(1, { maxWaitTimeInMs: Math.max(1, maxWaitMs) });
      if (first.length === 0 || max === 1) return first.map(fromServiceBusMessage);
      return [...first, ...(await this.topUp(max - 1))].map(fromServiceBusMessage);
    } catch (error) {
      throw translateServiceBusError(error, `receiving from ${this.path}`);
    } finally {
      this.receiving = false;
    }
  }

  /** What is available right now, up to `max`. A failure here must not lose the message already
   * locked: it is returned alone, and the next receive meets the failure again. */
  private async topUp(max: number): Promise<ServiceBusReceivedMessage[]> {
    try {
      return await this.receiver.receiveMessages(max, { maxWaitTimeInMs: TOP_UP_WAIT_MS });
    } catch {
      return [];
    }
  }

  complete(message: ReceivedMessage): Promise<void> {
    return this.settle("completing", message, (m) => this.receiver.completeMessage(m));
  }

  abandon(message: ReceivedMessage): Promise<void> {
    return this.settle("abandoning", message, (m) => this.receiver.abandonMessage(m));
  }

  deadLetter(message: ReceivedMessage, reason: string, description?: string): Promise<void> {
    // DeadLetterOptions types the description as required; the SDK sends only what is defined.
    const options = { deadLetterReason: reason, ...(description === undefined ? {} : { deadLetterErrorDescription: description }) } as DeadLetterOptions & Record<string, string>;
    return this.settle("dead-lettering", message, (m) => this.receiver.deadLetterMessage(m, options));
  }

  async renewLock(message: ReceivedMessage): Promise<number> {
    this.ensureOpen();
    const handle = handleOf(message);
    try {
      return (await this.receiver.renewMessageLock(handle)).getTime();
    } catch (error) {
      throw translateServiceBusError(error, `renewing the lock of ${message.messageId} on ${this.path}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.receiver.close().catch(() => undefined);
  }

  /** Settles on the receiver that delivered the message; if its link dropped since (a reconnect),
   * the SDK settles through the `$management` node by lock token, so a lock that survived the
   * reconnect can still be completed. */
  private async settle(what: string, message: ReceivedMessage, action: (m: ServiceBusReceivedMessage) => Promise<void>): Promise<void> {
    this.ensureOpen();
    const handle = handleOf(message);
    try {
      await action(handle);
    } catch (error) {
      throw translateServiceBusError(error, `${what} ${message.messageId} on ${this.path}`);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new BrokerError("invalid", `the receiver on ${this.path} is closed`);
  }
}

function handleOf(message: ReceivedMessage): ServiceBusReceivedMessage {
  const handle = message.handle as Partial<ServiceBusReceivedMessage> | undefined;
  if (handle === undefined || handle === null || typeof handle !== "object" || !("lockToken" in handle)) {
    throw new BrokerError("invalid", `message ${message.messageId} was not received from Service Bus`);
  }
  return handle as ServiceBusReceivedMessage;
}
