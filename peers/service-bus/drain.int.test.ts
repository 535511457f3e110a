import { afterAll, beforeAll, describe, expect, it } from "vitest";
import rhea from "rhea";
import { type LocalServiceBus, startLocalServiceBus } from "./broker.js";

/** Drain, as AMQP 1.0 (2.6.7) defines it, seen by a plain AMQP client: every drain request is
 * answered by a flow with `drain` set, also when the credit it drains is already used up. */
describe("the local broker answers every drain", () => {
  let local: LocalServiceBus;
  beforeAll(async () => {
    local = await startLocalServiceBus({ port: 0, sweepIntervalMs: 50 });
    local.createTopic("drained");
    local.createSubscription("drained", "a");
  });
  afterAll(async () => {
    await local?.close();
  });

  const connect = () => {
    const container = rhea.create_container();
    const connection = container.connect({ host: "127.0.0.1", port: local.port, reconnect: false });
    return { container, connection };
  };
  const publish = (connection: rhea.Connection, id: string) =>
    new Promise<void>((resolve, reject) => {
      const sender = connection.open_sender({ target: { address: "drained" } });
      sender.once("accepted", () => {
        sender.close();
        resolve();
      });
      sender.once("rejected", (context) => reject(new Error(String(context.delivery?.remote_state?.error?.description))));
      sender.once("sendable", () => sender.send({ message_id: id, body: "x" }));
    });

  it("echoes a drain whose one credit the message it sends uses up (the request and the message cross)", { timeout: 5000 }, async () => {
    const { connection } = connect();
    await publish(connection, "only");
    const receiver = connection.open_receiver({ source: { address: "drained/Subscriptions/a" }, credit_window: 0, autoaccept: false, rcv_settle_mode: 1 });
    await new Promise<void>((resolve) => receiver.once("receiver_open", () => resolve()));
    const received: string[] = [];
    receiver.on("message", (context) => {
      received.push(String(context.message?.message_id));
      context.delivery?.accept();
    });
    const drained = new Promise<void>((resolve) => receiver.once("receiver_drained", () => resolve()));
    // One credit and the drain request in one flow: the broker sends the message with that credit,
    // leaving none, and must still answer the drain.
    receiver.drain = true;
    receiver.add_credit(1);
    await drained;
    expect(received).toEqual(["only"]);
    connection.close();
  });

  it("echoes a drain with credit left over when nothing is waiting", { timeout: 5000 }, async () => {
    const { connection } = connect();
    const receiver = connection.open_receiver({ source: { address: "drained/Subscriptions/a" }, credit_window: 0, autoaccept: false, rcv_settle_mode: 1 });
    await new Promise<void>((resolve) => receiver.once("receiver_open", () => resolve()));
    const drained = new Promise<void>((resolve) => receiver.once("receiver_drained", () => resolve()));
    receiver.drain = true;
    receiver.add_credit(3);
    await drained;
    expect((receiver as unknown as { credit: number }).credit).toBe(0);
    connection.close();
  });
});
