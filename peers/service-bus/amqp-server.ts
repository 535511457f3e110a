import type { Socket } from "node:net";
import type { BrokerState } from "./broker-state.js";
import { EntityNotFound } from "./broker-state.js";
import type { MessageQueue } from "./entities.js";
import { decodeBatch } from "./batch-envelope.js";
import { copyOperationCounts, emptyOperationCounts, type OperationCounts } from "./operation-counts.js";
import { lockTokenToDeliveryTag } from "./lock-token.js";
import { handleManagementRequest } from "./management-node.js";
import { type AmqpConnection, type AmqpContext, type AmqpDelivery, type AmqpLink, type AmqpMessage, echoDrain, RheaConnection, rhea } from "./rhea-internals.js";

const BATCH_FORMAT = 0x80013700;
const MAX_MESSAGE_SIZE = 1024 * 1024;

interface Consumer {
  link: AmqpLink;
  queue: MessageQueue;
  receiveAndDelete: boolean;
  unflushed: number;
}

interface TrackedDelivery {
  queue: MessageQueue;
  token: string;
  /** When the broker first saw the lock gone (expired, or settled through $management). */
  lostAt?: number;
}

/** What Service Bus answers a throttled request with; the SDK reads it as ServiceBusy (retryable). */
const SERVER_BUSY = {
  condition: "com.microsoft:server-busy",
  description: "The request was terminated because the namespace is being throttled (ServerBusy). Please wait 2 seconds and try again.",
};

/** Which requests the broker answers with ServerBusy (fault injection for throttling tests). */
export interface ServerBusy {
  sends: boolean;
  receives: boolean;
}

export interface AmqpServerOptions {
  /** Resolves once what was just published is durable; a publish is acknowledged only then. */
  durable?: () => Promise<void>;
  /** Told of every message a topic accepted (or dropped as a duplicate), before it is acknowledged. */
  onPublished?: (topic: string, messageId: string, duplicate: boolean) => void;
}

/** A client still holding a message whose lock is gone gets MessageLockLost when it settles; after
 * this long we assume it never will (the SDK gives up on a settlement after 60 s). */
const ABANDONED_DELIVERY_MS = 65_000;

/**
 * The AMQP 1.0 side of the broker: SASL ANONYMOUS, the CBS put-token node, senders to topics,
 * peek-lock and receive-and-delete consumers on subscriptions and their dead-letter sub-queues,
 * settlement, drain, and the `$management` request/response nodes.
 */
export class AmqpServer {
  private readonly container = rhea.create_container({ id: "local-servicebus", autoaccept: false, treat_modified_as_released: false });
  private readonly connections = new Set<AmqpConnection>();
  private readonly consumers = new Set<Consumer>();
  private readonly deliveries = new Map<AmqpDelivery, TrackedDelivery>();
  private readonly unsubscribe: () => void;
  private sequence = 0;
  private busy: ServerBusy = { sends: false, receives: false };
  private busyRefusals = 0;
  private readonly ops: OperationCounts = emptyOperationCounts();

  constructor(
    private readonly state: BrokerState,
    private readonly options: AmqpServerOptions = {},
  ) {
    this.unsubscribe = state.onQueueChange((queue) => this.pumpQueue(queue));
    this.container.on("receiver_open", (context: AmqpContext) => {
      this.ops.linksOpened++;
      this.onClientSender(context);
    });
    this.container.on("sender_open", (context: AmqpContext) => {
      this.ops.linksOpened++;
      this.onClientReceiver(context);
    });
    this.container.on("message", (context: AmqpContext) => this.onMessage(context));
    this.container.on("sendable", (context: AmqpContext) => {
      if (this.isConsumer(context.sender!)) this.ops.receiveRequests++;
      this.pumpLink(context.sender!);
    });
    this.container.on("sender_draining", (context: AmqpContext) => {
      const link = context.sender!;
      if (this.isConsumer(link)) this.ops.drains++;
      this.pumpLink(link);
      // Answer the drain once what was available has gone out: the flow that consumes the rest
      // of the credit. set_drained only marks it; the connection must be asked to write it.
      setImmediate(() => {
        if (link.credit > 0) link.set_drained(true);
        else echoDrain(link);
        link.connection._register();
      });
    });
    this.container.on("accepted", (context: AmqpContext) => this.settle(context, "complete"));
    this.container.on("released", (context: AmqpContext) => this.settle(context, "abandon"));
    this.container.on("modified", (context: AmqpContext) => this.settle(context, "abandon"));
    this.container.on("rejected", (context: AmqpContext) => this.settle(context, "dead-letter"));
    this.container.on("sender_close", (context: AmqpContext) => this.dropConsumer(context.sender!));
    this.container.on("disconnected", (context: AmqpContext) => this.forget(context.connection));
    this.container.on("connection_close", (context: AmqpContext) => this.forget(context.connection));
    this.container.on("error", () => undefined);
  }

  accept(socket: Socket): void {
    const connection = new RheaConnection({ id: `conn-${++this.sequence}` }, this.container).accept(socket);
    this.connections.add(connection);
  }

  /** Closes every client connection through rhea (so its timers stop), then the sockets. */
  async closeConnections(): Promise<void> {
    const all = [...this.connections];
    this.connections.clear();
    this.consumers.clear();
    await Promise.all(
      all.map(
        (connection) =>
          new Promise<void>((resolve) => {
            const socket = connection.socket;
            const done = () => {
              socket?.destroy();
              resolve();
            };
            const timer = setTimeout(done, 200);
            socket?.once("close", () => {
              clearTimeout(timer);
              resolve();
            });
            try {
              connection.close({ condition: "amqp:connection:forced", description: "broker stopping" });
            } catch {
              done();
            }
          }),
      ),
    );
  }

  dispose(): void {
    this.unsubscribe();
  }

  /** Answers sends and/or receives with ServerBusy until told otherwise; open receivers are detached
   * with it at once (the SDK reopens them, and is refused again while it lasts). */
  setServerBusy(busy: ServerBusy): void {
    this.busy = { ...busy };
    if (!busy.receives) return;
    for (const consumer of [...this.consumers]) {
      this.consumers.delete(consumer);
      this.busyRefusals++;
      consumer.link.close({ condition: SERVER_BUSY.condition, description: SERVER_BUSY.description });
    }
  }

  /** What clients asked of the broker so far, by kind (a copy). */
  operations(): OperationCounts {
    return copyOperationCounts(this.ops);
  }

  private isConsumer(link: AmqpLink): boolean {
    for (const consumer of this.consumers) if (consumer.link === link) return true;
    return false;
  }

  /** Requests answered with ServerBusy so far. */
  serverBusyRefusals(): number {
    return this.busyRefusals;
  }

  // ---- links ---------------------------------------------------------------------------

  /** The client opened a sender: our end receives. Targets: `$cbs`, `<entity>/$management`, or a topic. */
  private onClientSender(context: AmqpContext): void {
    const link = context.receiver!;
    const address = linkTarget(link);
    link.set_target({ address });
    link.local.attach.max_message_size = MAX_MESSAGE_SIZE;
    link.local.attach.rcv_settle_mode = link.remote.attach?.rcv_settle_mode ?? 0;
    if (address === "$cbs" || address.endsWith("/$management")) return;
    try {
      this.state.topic(address);
    } catch {
      link.close({ condition: "amqp:not-found", description: `The messaging entity '${address}' could not be found.` });
    }
  }

  /** The client opened a receiver: our end sends. Sources: `$cbs` / `$management` replies, or a queue. */
  private onClientReceiver(context: AmqpContext): void {
    const link = context.sender!;
    const remote = link.remote.attach;
    const address = String(remote?.source?.address ?? "");
    link.set_source({ address });
    if (remote?.target?.address !== undefined) link.set_target({ address: String(remote.target.address) });
    const attach = link.local.attach;
    attach.snd_settle_mode = remote?.snd_settle_mode ?? 0;
    attach.rcv_settle_mode = remote?.rcv_settle_mode ?? 0;
    if (address === "$cbs" || address.endsWith("/$management")) return;
    if (this.busy.receives) {
      this.busyRefusals++;
      link.close({ condition: SERVER_BUSY.condition, description: SERVER_BUSY.description });
      return;
    }
    try {
      const queue = this.state.queueAt(address);
      queue.subscription.accessedAt = this.state.now();
      this.consumers.add({ link, queue, receiveAndDelete: remote?.snd_settle_mode === 1, unflushed: 0 });
    } catch (error) {
      link.close({ condition: "amqp:not-found", description: error instanceof Error ? error.message : String(error) });
    }
  }

  private dropConsumer(link: AmqpLink): void {
    for (const consumer of this.consumers) if (consumer.link === link) this.consumers.delete(consumer);
  }

  private forget(connection: AmqpConnection): void {
    this.connections.delete(connection);
    for (const consumer of this.consumers) if (consumer.link.connection === connection) this.consumers.delete(consumer);
  }

  // ---- incoming messages -----------------------------------------------------------------

  private onMessage(context: AmqpContext): void {
    const link = context.receiver!;
    const delivery = context.delivery!;
    const address = linkTarget(link);
    const message = context.message as AmqpMessage | Buffer;
    if (address === "$cbs") {
      this.ops.tokenPuts++;
      const request = message as AmqpMessage;
      this.reply(link.connection, request.reply_to, {
        correlation_id: request.message_id,
        application_properties: { "status-code": 200, "status-description": "OK" },
      });
      delivery.update(true, rhea.message.accepted().described());
      return;
    }
    if (address.endsWith("/$management")) {
      const request = message as AmqpMessage;
      const operation = String(request.application_properties?.operation ?? "unknown");
      this.ops.management[operation] = (this.ops.management[operation] ?? 0) + 1;
      const response = handleManagementRequest(this.state, address.slice(0, -"/$management".length), request);
      this.reply(link.connection, request.reply_to, { ...response, correlation_id: request.message_id });
      delivery.update(true, rhea.message.accepted().described());
      return;
    }
    const reject = (condition: string, description: string) => delivery.update(true, rhea.message.rejected({ error: { condition, description } }).described());
    if (this.busy.sends) {
      this.busyRefusals++;
      reject(SERVER_BUSY.condition, SERVER_BUSY.description);
      return;
    }
    try {
      const format = context.format;
      const messages = format === BATCH_FORMAT ? decodeBatch(message as Buffer) : [message as AmqpMessage];
      this.ops.sends++;
      this.ops.messagesSent += messages.length;
      for (const single of messages) {
        const sequenceNumber = this.state.publish(address, single);
        this.options.onPublished?.(address, String(single.message_id), sequenceNumber === undefined);
      }
    } catch (error) {
      reject(error instanceof EntityNotFound ? "amqp:not-found" : "amqp:internal-error", error instanceof Error ? error.message : String(error));
      return;
    }
    // Acknowledged only once durable: a sender told "accepted" must find the message after a crash.
    const durable = this.options.durable;
    if (durable === undefined) {
      delivery.update(true, rhea.message.accepted().described());
      return;
    }
    durable().then(
      () => settleQuietly(() => delivery.update(true, rhea.message.accepted().described())),
      (error: unknown) => settleQuietly(() => reject("amqp:internal-error", `the broker could not persist the message: ${error instanceof Error ? error.message : String(error)}`)),
    );
  }

  private reply(connection: AmqpConnection, replyTo: unknown, message: AmqpMessage): void {
    const name = String(replyTo ?? "");
    const sender = connection.find_sender((link) => link.name === name || String(link.remote.attach?.target?.address ?? "") === name);
    sender?.send(message);
  }

  // ---- delivery ---------------------------------------------------------------------------

  private pumpQueue(queue: MessageQueue): void {
    this.forgetLostLocks(queue);
    for (const consumer of this.consumers) if (consumer.queue === queue) this.pump(consumer);
  }

  /** A delivery whose lock is gone and that the client has not settled for a long time never will
   * be: settle it on our side so rhea can free its session buffer slot. */
  private forgetLostLocks(queue: MessageQueue): void {
    const now = this.state.now();
    for (const [delivery, tracked] of this.deliveries) {
      if (tracked.queue !== queue || queue.held(tracked.token, now) !== undefined) continue;
      tracked.lostAt ??= now;
      if (now - tracked.lostAt < ABANDONED_DELIVERY_MS) continue;
      this.deliveries.delete(delivery);
      finish(delivery, rhea.message.rejected({ error: { condition: "com.microsoft:message-lock-lost", description: "lock expired" } }).described());
    }
  }

  private pumpLink(link: AmqpLink): void {
    for (const consumer of this.consumers) if (consumer.link === link) this.pump(consumer);
  }

  /** Sends available messages while the consumer has credit. Never locks more than it can send. */
  private pump(consumer: Consumer): void {
    const { link, queue } = consumer;
    if (!link.is_open()) return;
    const now = this.state.now();
    let sent = false;
    for (const stored of queue.available(now)) {
      if ((link.credit ?? 0) - consumer.unflushed <= 0) break;
      const annotations: Record<string, unknown> = {
        ...((stored.message.message_annotations as Record<string, unknown> | undefined) ?? {}),
        "x-opt-sequence-number": rhea.types.wrap_long(stored.sequenceNumber),
        "x-opt-enqueued-time": new Date(stored.enqueuedAt),
      };
      let tag: Buffer;
      if (consumer.receiveAndDelete) {
        queue.remove(stored);
        tag = Buffer.from(String(stored.sequenceNumber));
      } else {
        const token = queue.lock(stored, now);
        annotations["x-opt-locked-until"] = new Date(stored.lockedUntil!);
        tag = lockTokenToDeliveryTag(token);
      }
      const outgoing: AmqpMessage = {
        ...stored.message,
        // rhea flattens the AMQP header into the message: delivery-count is a top-level field.
        delivery_count: stored.deliveryCount,
        message_annotations: annotations,
      };
      const delivery = link.send(outgoing, tag);
      this.ops.messagesDelivered++;
      if (!consumer.receiveAndDelete) this.deliveries.set(delivery, { queue, token: stored.lockToken! });
      consumer.unflushed++;
      sent = true;
    }
    if (sent) {
      setImmediate(() => {
        consumer.unflushed = 0;
        this.pump(consumer);
      });
      this.state.changed();
    }
  }

  private settle(context: AmqpContext, action: "complete" | "abandon" | "dead-letter"): void {
    const delivery = context.delivery!;
    const tracked = this.deliveries.get(delivery);
    if (tracked === undefined) return;
    this.ops.settlements[action]++;
    const now = this.state.now();
    const state = delivery.remote_state;
    let outcome: "ok" | "lock-lost";
    if (action === "complete") outcome = tracked.queue.complete(tracked.token, now);
    else if (action === "abandon") outcome = tracked.queue.abandon(tracked.token, now, state?.message_annotations);
    else {
      const info = state?.error?.info ?? {};
      outcome = tracked.queue.deadLetterMessage(
        tracked.token,
        now,
        asString(info.DeadLetterReason),
        asString(info.DeadLetterErrorDescription),
        undefined,
      );
    }
    this.deliveries.delete(delivery);
    if (outcome === "ok") {
      // A settled disposition with a recognised outcome; an empty state makes clients log noise.
      finish(delivery, rhea.message.accepted().described());
      this.state.notify(tracked.queue);
    } else {
      finish(
        delivery,
        rhea.message.rejected({ error: { condition: "com.microsoft:message-lock-lost", description: "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue." } }).described(),
      );
    }
  }
}

/**
 * Settles a delivery we sent. In receiver-settle-mode "second" the client never sends a final
 * settled disposition after ours, but rhea frees a session buffer slot only when both sides have
 * settled; without marking it, 2,048 deliveries later the session breaks.
 */
function finish(delivery: AmqpDelivery, state: unknown): void {
  delivery.update(true, state);
  (delivery as { remote_settled?: boolean }).remote_settled = true;
}

/** A late acknowledgement whose link closed meanwhile has nobody to tell: the sender retries. */
function settleQuietly(settle: () => void): void {
  try {
    settle();
  } catch {
    // The link or connection is gone.
  }
}

function asString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function linkTarget(link: AmqpLink): string {
  return String(link.remote.attach?.target?.address ?? "");
}
