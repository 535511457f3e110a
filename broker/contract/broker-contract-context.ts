import { expect } from "vitest";
import type { BrokerPort, BrokerReceiver, BrokerTopology, OutgoingMessage, PropertyValue, ReceivedMessage } from "../port.js";

export interface BrokerUnderTest {
  broker: BrokerPort;
  cleanup(): Promise<void>;
  /** Moves time forward: virtual for the memory broker; default a real sleep (networked brokers). */
  advance?(ms: number): Promise<void>;
  /** The broker's "now" (ms since epoch); default Date.now(). Needed for scheduled messages. */
  now?(): number;
  /** Publishes a body that is NOT JSON (a foreign producer), bypassing the port's encoding. The
   * test that a non-JSON body comes back raw is skipped without it. */
  publishRaw?(topic: string, message: { messageId: string; text: string; applicationProperties: Record<string, PropertyValue> }): Promise<void>;
}

export interface BrokerContractOptions {
  /** Lock duration of the test subscriptions: short, as lock expiry is waited for in real time on a
   * networked broker. Azure's minimum is 5 s. Default 1500. */
  lockDurationMs?: number;
  /** Whether the broker reports scheduled messages per subscription (Azure may not). Default true. */
  scheduledCountsPerSubscription?: boolean;
}

/** What every case of the contract gets: the broker under test (set once the suite started), a
 * fresh topic per test, and the broker's time. */
export interface BrokerContractContext {
  readonly sut: BrokerUnderTest;
  readonly broker: BrokerPort;
  readonly options: BrokerContractOptions;
  readonly lockDurationMs: number;
  /** A fresh topic with subscriptions "a" and "b", each filtering on its own pool. */
  topic(overrides?: { maxDeliveryCount?: number; deadLetterOnExpiration?: boolean }): Promise<BrokerTopology>;
  advance(ms: number): Promise<void>;
  now(): number;
}

/** How long a receive waits when a message is expected (a networked broker needs a round trip). */
export const EXPECT_WAIT_MS = 3000;
/** How long a receive waits to show that nothing is delivered. */
export const NOTHING_WAIT_MS = 400;

/** The port's types the cases use, re-exported for them. */
export type { BrokerReceiver, OutgoingMessage, ReceivedMessage };

export function msg(id: string, pool: string, body: unknown = { id }, extra: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { messageId: id, body, applicationProperties: { pool, jobId: id }, ...extra };
}

/** Exactly one message, waiting for it as long as a networked broker may need. */
export async function one(receiver: BrokerReceiver): Promise<ReceivedMessage> {
  const [message] = await receiveAll(receiver, 1);
  if (message === undefined) throw new Error("expected a message, received none");
  return message;
}

/** Receives until `count` messages arrived or the wait is over (a broker may split a batch). */
export async function receiveAll(receiver: BrokerReceiver, count: number): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + EXPECT_WAIT_MS;
  while (received.length < count) {
    const got = await receiver.receive(count - received.length, Math.max(1, Math.min(1000, deadline - Date.now())));
    expect(got.length).toBeLessThanOrEqual(count - received.length);
    received.push(...got);
    if (Date.now() >= deadline) break;
    if (got.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(received).toHaveLength(count);
  return received;
}
