import { createRequire } from "node:module";
import type { Socket } from "node:net";
import rheaModule from "rhea";

/**
 * The slice of rhea the broker uses, typed by hand: rhea's bundled typings omit the link and
 * delivery internals a server needs (attach fields, credit, dispositions). Kept in one file so
 * every untyped access is here.
 */
export interface AmqpMessage {
  message_id?: unknown;
  correlation_id?: unknown;
  reply_to?: unknown;
  to?: unknown;
  subject?: unknown;
  group_id?: unknown;
  reply_to_group_id?: unknown;
  content_type?: unknown;
  ttl?: number;
  header?: Record<string, unknown>;
  application_properties?: Record<string, unknown>;
  message_annotations?: Record<string, unknown>;
  body?: unknown;
  [key: string]: unknown;
}

export interface AttachFields {
  name?: string;
  source?: { address?: unknown };
  target?: { address?: unknown };
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  [key: string]: unknown;
}

export interface AmqpLink {
  name: string;
  credit: number;
  connection: AmqpConnection;
  remote: { attach?: AttachFields };
  local: { attach: AttachFields };
  is_open(): boolean;
  send(message: AmqpMessage, tag?: Buffer): AmqpDelivery;
  set_source(fields: { address: string }): void;
  set_target(fields: { address: string }): void;
  set_drained(drained: boolean): void;
  close(error?: { condition: string; description: string }): void;
}

export interface AmqpDelivery {
  remote_state?: { error?: { condition?: string; info?: Record<string, unknown> }; message_annotations?: Record<string, unknown>; undeliverable_here?: boolean };
  update(settled: boolean, state?: unknown): void;
}

export interface AmqpConnection {
  socket?: Socket;
  /** Schedules rhea's frame processing (set_drained alone does not). */
  _register(): void;
  close(error?: { condition: string; description: string }): void;
  find_sender(filter: (link: AmqpLink) => boolean): AmqpLink | undefined;
}

export interface AmqpContext {
  connection: AmqpConnection;
  sender?: AmqpLink;
  receiver?: AmqpLink;
  delivery?: AmqpDelivery;
  message?: AmqpMessage | Buffer;
  format?: number;
}

export interface AmqpContainer {
  on(event: string, handler: (context: AmqpContext) => void): void;
}

interface RheaFacade {
  create_container(options: Record<string, unknown>): AmqpContainer;
  message: {
    encode(message: AmqpMessage): Buffer;
    decode(buffer: Buffer): AmqpMessage;
    accepted(): { described(): unknown };
    rejected(fields: { error: { condition: string; description: string } }): { described(): unknown };
  };
  types: {
    wrap_long(value: number): unknown;
    wrap_array(values: unknown[], code: number, descriptors?: unknown): unknown;
    wrap_map(map: Record<string, unknown>): unknown;
    wrap_int(value: number): unknown;
  };
}

export const rhea = rheaModule as unknown as RheaFacade;

type ConnectionCtor = new (options: Record<string, unknown>, container: AmqpContainer) => { accept(socket: Socket): AmqpConnection };
const require = createRequire(import.meta.url);
/** rhea accepts sockets only through its own listener; to share one port between AMQP and the
 * administration HTTP endpoint the broker hands it sockets through its Connection class. */
export const RheaConnection = require("rhea/lib/connection.js") as ConnectionCtor;

/**
 * Answers a drain request on a sending link whose credit is already used up. rhea echoes a drain
 * (a flow with `drain` set) only while credit remains, but AMQP 1.0 (2.6.7) wants the echo in
 * every case, and the Service Bus SDK waits for it: a message and the client's drain request
 * crossing on the wire (the drain computed before the message arrived) would otherwise leave the
 * client waiting, and after 200 ms the SDK closes its receiving link, stranding the settlements of
 * what it had received on it. The next flow this link writes carries `drain` once.
 */
export function echoDrain(link: AmqpLink): void {
  const internals = link as unknown as { _get_drain(): boolean; issue_flow: boolean };
  const original = internals._get_drain;
  internals._get_drain = function echo(this: typeof internals) {
    internals._get_drain = original;
    original.call(this);
    return true;
  };
  internals.issue_flow = true;
}

